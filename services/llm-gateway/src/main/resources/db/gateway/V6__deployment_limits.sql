-- Deployments stored through the API get the same weight and limits as configured ones; aliases their strategy.
alter table gateway.deployments
    add column weight              int not null default 1,
    add column max_concurrent      int not null default 0,
    add column requests_per_minute int not null default 0,
    add column tokens_per_minute   int not null default 0;

alter table gateway.aliases add column strategy text not null default 'priority';

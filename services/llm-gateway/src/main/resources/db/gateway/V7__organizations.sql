-- Deployments, aliases and virtual keys added through the API belong to one organization (identity.orgs), and so
-- does every recorded call; what existed before goes to the default one. Deployments from configuration and the
-- built-in sim belong to no organization: every organization may use them.
alter table gateway.deployments add column org_id uuid not null default '00000000-0000-0000-0000-000000000001';
alter table gateway.deployments alter column org_id drop default;
alter table gateway.deployments drop constraint deployments_pkey, add primary key (org_id, name);

alter table gateway.aliases add column org_id uuid not null default '00000000-0000-0000-0000-000000000001';
alter table gateway.aliases alter column org_id drop default;
alter table gateway.aliases drop constraint aliases_pkey, add primary key (org_id, name);

alter table gateway.api_keys add column org_id uuid not null default '00000000-0000-0000-0000-000000000001';
alter table gateway.api_keys alter column org_id drop default;
create index api_keys_org on gateway.api_keys (org_id, created_at desc);

-- calls from before organizations are the default one's
alter table gateway.llm_calls add column org_id uuid not null default '00000000-0000-0000-0000-000000000001';
alter table gateway.llm_calls alter column org_id drop default;
create index llm_calls_org_started_at on gateway.llm_calls (org_id, started_at desc);

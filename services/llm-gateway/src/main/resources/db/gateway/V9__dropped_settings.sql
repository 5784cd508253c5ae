-- A deployment may go on without the generation settings its vendor has no field for; a call records what it went
-- without.
alter table gateway.deployments add column drop_unsupported boolean not null default false;
alter table gateway.llm_calls add column dropped_settings text;

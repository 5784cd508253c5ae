-- what the call cost (USD, from the price table at the time of the call), the upstream model, and the agent
alter table gateway.llm_calls add column upstream_model text;
alter table gateway.llm_calls add column agent_id text;
alter table gateway.llm_calls add column cost_usd numeric(18, 9) not null default 0;
create index llm_calls_agent on gateway.llm_calls (agent_id);

-- How an agent version's model calls generate (temperature, output limit, tool choice...): the contracts'
-- GenerationSettings as JSON; null for every default.
alter table runtime.agent_versions add column generation jsonb;

-- Agents are immutable versions: editing one adds a version; sessions keep the version they started on; the agent's
-- published version is what new sessions get (publishing an older one rolls back).
create table runtime.agent_versions (
    agent_id      uuid        not null references runtime.agents (id),
    version       int         not null,
    name          text        not null,
    model         text        not null,
    system_prompt text        not null,
    tools         text[]      not null,
    created_at    timestamptz not null default now(),
    primary key (agent_id, version)
);
insert into runtime.agent_versions (agent_id, version, name, model, system_prompt, tools, created_at)
    select id, 1, name, model, system_prompt, tools, created_at from runtime.agents;

alter table runtime.agents
    add column published_version int not null default 1,
    add column latest_version    int not null default 1,
    drop column name,
    drop column model,
    drop column system_prompt,
    drop column tools;

alter table runtime.sessions add column agent_version int not null default 1;

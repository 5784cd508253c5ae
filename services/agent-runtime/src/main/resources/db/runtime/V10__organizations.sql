-- Every resource belongs to one organization (identity.orgs); what existed before goes to the default one.
-- Versions, turns, messages, approvals, snapshots and model calls belong to theirs through their agent or session.
alter table runtime.agents add column org_id uuid not null default '00000000-0000-0000-0000-000000000001';
alter table runtime.agents alter column org_id drop default;
create index agents_org on runtime.agents (org_id);

alter table runtime.sessions add column org_id uuid not null default '00000000-0000-0000-0000-000000000001';
alter table runtime.sessions alter column org_id drop default;
create index sessions_org_created_at on runtime.sessions (org_id, created_at desc);

-- names are unique within an organization: two organizations may both have a tool called "weather"
alter table runtime.secrets add column org_id uuid not null default '00000000-0000-0000-0000-000000000001';
alter table runtime.secrets alter column org_id drop default;
alter table runtime.secrets drop constraint secrets_pkey, add primary key (org_id, name);

alter table runtime.http_tools add column org_id uuid not null default '00000000-0000-0000-0000-000000000001';
alter table runtime.http_tools alter column org_id drop default;
alter table runtime.http_tools drop constraint http_tools_pkey, add primary key (org_id, name);

alter table runtime.mcp_servers add column org_id uuid not null default '00000000-0000-0000-0000-000000000001';
alter table runtime.mcp_servers alter column org_id drop default;
alter table runtime.mcp_servers drop constraint mcp_servers_pkey, add primary key (org_id, name);

-- The hosts an agent's HTTP tool may call ("api.example.com", "*.example.com"); empty: any public host.
alter table runtime.agent_versions add column http_allowed_hosts text[] not null default '{}';

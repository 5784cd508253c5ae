-- External MCP servers operators connect (Streamable HTTP): their tools become tools agents may list, named
-- <server>__<tool>. Header values may name secrets ({{secret:NAME}}), filled in when connecting.
create table runtime.mcp_servers (
    name       text primary key,
    url        text        not null,
    headers    text        not null, -- JSON object: header name -> value, maybe with {{secret:NAME}}
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

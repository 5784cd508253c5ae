-- Secrets operators store for tools (API keys of the services their HTTP tools call): sealed with the master key
-- (AES-256-GCM, bound to the secret's name); the API never shows a value again.
create table runtime.secrets (
    name       text primary key,
    key_id     text        not null,
    ciphertext text        not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- HTTP tools operators define: one request to a fixed host, the model's arguments as the query (GET, DELETE) or the
-- JSON body (POST, PUT, PATCH) and in {placeholders} of the URL's path; header values may name secrets
-- ({{secret:NAME}}), put in at call time. Not versioned: an edit applies to every agent that lists the tool.
create table runtime.http_tools (
    name        text primary key,
    description text        not null,
    method      text        not null,
    url         text        not null,
    parameters  text        not null, -- JSON Schema of the arguments
    headers     text        not null, -- JSON object: header name -> value, maybe with {{secret:NAME}}
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

-- Deployments and aliases managed through the API (beside the ones in configuration). The API key is stored only
-- sealed (AES-256-GCM, see CredentialCipher) with the id of the master key that sealed it.
create table gateway.deployments (
    name            text primary key,
    provider        text        not null,
    base_url        text        not null,
    model           text        not null,
    max_retries     int         not null default 2,
    api_key_key_id  text,
    api_key_sealed  text,
    updated_at      timestamptz not null default now()
);

create table gateway.aliases (
    name        text primary key,
    deployments text[]      not null,
    updated_at  timestamptz not null default now()
);

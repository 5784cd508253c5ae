-- Virtual API keys for the gateway's front doors. Only a SHA-256 hash of each key is stored (the keys are 256-bit
-- random tokens, so a fast hash is enough); the key itself is shown once, when it is made.
create table gateway.api_keys (
    id                  uuid primary key,
    name                text          not null,
    key_hash            text          not null unique,
    key_prefix          text          not null,
    requests_per_minute int,
    budget_usd          numeric(18, 9),
    spent_usd           numeric(18, 9) not null default 0,
    created_at          timestamptz   not null default now(),
    revoked_at          timestamptz
);

-- requests per key per minute, shared by every gateway replica
create table gateway.api_key_windows (
    key_id       uuid        not null references gateway.api_keys (id) on delete cascade,
    window_start timestamptz not null,
    requests     int         not null,
    primary key (key_id, window_start)
);

alter table gateway.llm_calls add column api_key_id uuid;

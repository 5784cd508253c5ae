-- Who may call the platform, for which organization, with which role. Shared by every service: each one migrates it
-- at start-up (Flyway's lock makes that safe) and checks tokens here itself.

create table identity.orgs (
    id         uuid primary key,
    name       text        not null,
    created_at timestamptz not null default now()
);

-- everything that existed before organizations belongs to this one
insert into identity.orgs (id, name) values ('00000000-0000-0000-0000-000000000001', 'default');

create table identity.users (
    id             uuid primary key,
    username       text        not null unique,
    password_hash  text,                        -- Argon2id (PHC string); none for people who sign in with OIDC
    oidc_subject   text unique,                 -- "<issuer>|<sub>"
    platform_admin boolean     not null default false,
    created_at     timestamptz not null default now()
);

create table identity.memberships (
    user_id    uuid        not null references identity.users (id) on delete cascade,
    org_id     uuid        not null references identity.orgs (id) on delete cascade,
    role       text        not null check (role in ('owner', 'admin', 'operator', 'viewer')),
    created_at timestamptz not null default now(),
    primary key (user_id, org_id)
);
create index memberships_org on identity.memberships (org_id);

-- API tokens (kind 'api': a role of their own) and signed-in browser sessions (kind 'session': the user's role in
-- the organization chosen). Only the SHA-256 of a token is kept: tokens are 256 random bits, shown once.
create table identity.tokens (
    id             uuid primary key,
    org_id         uuid        not null references identity.orgs (id) on delete cascade,
    kind           text        not null check (kind in ('api', 'session')),
    name           text        not null,
    role           text check (role in ('owner', 'admin', 'operator', 'viewer')),
    user_id        uuid references identity.users (id) on delete cascade,
    platform_admin boolean     not null default false,
    hash           text        not null unique,
    created_by     text        not null,
    created_at     timestamptz not null default now(),
    expires_at     timestamptz,
    revoked_at     timestamptz,
    last_used_at   timestamptz,
    check (kind = 'session' and user_id is not null or kind = 'api' and role is not null)
);
create index tokens_org on identity.tokens (org_id, created_at desc);

-- every write of the management APIs and every sign-in; append-only (see the trigger)
create table identity.audit (
    id       bigint generated always as identity primary key,
    at       timestamptz not null default now(),
    org_id   uuid,                   -- none for a refused sign-in or a request without a valid token
    actor    text        not null,   -- "user:<name>", "token:<name> (<id>)", or "anonymous"
    source   text,                   -- the caller's address
    service  text        not null,
    action   text        not null,   -- "POST /api/agents"
    resource text,                   -- the path it acted on
    status   int         not null,   -- the HTTP status answered
    changes  jsonb                   -- what was asked for, secret values left out
);
create index audit_org_at on identity.audit (org_id, at desc);

create function identity.audit_is_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'identity.audit is append-only';
end $$;
create trigger audit_append_only before update or delete on identity.audit
    for each row execute function identity.audit_is_append_only();
create trigger audit_no_truncate before truncate on identity.audit
    for each statement execute function identity.audit_is_append_only();

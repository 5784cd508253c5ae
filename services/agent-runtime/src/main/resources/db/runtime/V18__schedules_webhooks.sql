-- Agents that act without being asked: on a schedule, or when a webhook is delivered. Their turns are started by jobs
-- (libs/jobs, in the runtime_jobs schema), queued in the same transaction as what causes them.

create table runtime.schedules (
    id           uuid primary key,
    org_id       uuid        not null,
    agent_id     uuid        not null references runtime.agents (id) on delete cascade,
    cron         text        not null,   -- Unix cron, five fields, or six with seconds first
    timezone     text        not null,
    message      text        not null,
    session_mode text        not null check (session_mode in ('new', 'reuse')),
    session_id   uuid,                   -- reuse: the session every tick goes on in
    paused       boolean     not null default false,
    created_by   text        not null,
    created_at   timestamptz not null default now()
);
create index schedules_org on runtime.schedules (org_id, created_at desc);

-- each tick that ran: its session and turn (chosen from the tick, so a tick run twice starts one turn)
create table runtime.schedule_runs (
    schedule_id uuid        not null references runtime.schedules (id) on delete cascade,
    tick        timestamptz not null,
    session_id  uuid        not null,
    turn_id     uuid        not null,
    ran_at      timestamptz not null default now(),
    primary key (schedule_id, tick)
);

-- the secret is sealed with the master key (as tool secrets are); while it rotates, the previous one is still taken
-- until previous_until
create table runtime.webhooks (
    id                  uuid primary key,
    org_id              uuid        not null,
    agent_id            uuid        not null references runtime.agents (id) on delete cascade,
    name                text        not null,
    template            text        not null,
    secret_key_id       text        not null,
    secret_ciphertext   text        not null,
    previous_key_id     text,
    previous_ciphertext text,
    previous_until      timestamptz,
    created_by          text        not null,
    created_at          timestamptz not null default now(),
    unique (org_id, name)
);

-- every delivery taken, once: a replay of its id, or of its signature under another id (the id is not signed), is
-- answered with the same session and turn
create table runtime.webhook_deliveries (
    webhook_id  uuid        not null references runtime.webhooks (id) on delete cascade,
    delivery_id text        not null,
    signature   text        not null,   -- the v1 that matched (hex)
    session_id  uuid        not null,
    turn_id     uuid        not null,
    received_at timestamptz not null default now(),
    primary key (webhook_id, delivery_id),
    unique (webhook_id, signature)
);
create index webhook_deliveries_received on runtime.webhook_deliveries (received_at);

-- turns nobody typed that were started and may not have finished: their number is bounded per organization and agent
-- (runtime.background.*); a row goes once its turn has ended
create table runtime.background_turns (
    turn_id    uuid primary key,
    org_id     uuid        not null,
    agent_id   uuid        not null,
    started_at timestamptz not null default now()
);
create index background_turns_org on runtime.background_turns (org_id);

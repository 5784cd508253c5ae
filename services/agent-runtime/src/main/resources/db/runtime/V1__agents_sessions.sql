create table runtime.agents (
    id            uuid primary key,
    name          text        not null,
    model         text        not null,
    system_prompt text        not null,
    tools         text[]      not null,
    created_at    timestamptz not null default now()
);

create table runtime.sessions (
    id         uuid primary key,
    agent_id   uuid        not null references runtime.agents (id),
    created_at timestamptz not null default now(),
    last_seq   bigint      not null default 0   -- seq of the last event published for this session
);
create index sessions_created_at on runtime.sessions (created_at desc);

-- one row per user message; status: pending -> running -> completed | failed.
-- The user's text joins runtime.messages when the turn starts, so messages are only ever appended by the
-- session's one runner, in conversation order.
create table runtime.turns (
    id           uuid primary key,
    session_id   uuid        not null references runtime.sessions (id),
    user_text    text        not null,
    status       text        not null,
    error_code   text,
    error_reason text,
    created_at   timestamptz not null default now(),
    finished_at  timestamptz
);
create index turns_session on runtime.turns (session_id, created_at);

-- the conversation, in order: user, assistant (maybe with tool calls), tool results
create table runtime.messages (
    session_id   uuid        not null references runtime.sessions (id),
    position     int         not null,
    turn_id      uuid        not null references runtime.turns (id),
    role         text        not null,
    content      text        not null,
    tool_calls   text,                 -- JSON array of {id, name, arguments}, assistant messages only
    tool_call_id text,
    created_at   timestamptz not null default now(),
    primary key (session_id, position)
);

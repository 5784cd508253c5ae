-- What an agent may do and how it behaves, per version. Null limits fall back to the runtime's settings (runtime.turn.*).
alter table runtime.agent_versions
    add column max_tool_rounds    int,                             -- model -> tools -> model rounds per turn
    add column max_turn_seconds   int,                             -- wall time of one turn
    add column max_turn_tokens    int,                             -- input + output tokens of a turn's model calls
    add column on_busy            text   not null default 'queue', -- a message while a turn runs: queue | reject | interrupt
    add column approval_required  text[] not null default '{}',    -- tools whose calls wait for an operator
    add column context_max_tokens int,                             -- the conversation sent to the model is fitted to this
    add column context_strategy   text   not null default 'drop_oldest'; -- drop_oldest | summarize

-- A tool call waiting for an operator. Its turn is 'waiting' (no runner holds it, the sweep leaves it alone) until
-- every approval of the turn is decided; then it is 'running' again and any replica resumes it from its journal.
create table runtime.approvals (
    id           uuid primary key,
    session_id   uuid        not null references runtime.sessions (id),
    turn_id      uuid        not null references runtime.turns (id),
    call_id      text        not null,
    tool_name    text        not null,
    arguments    text        not null,
    status       text        not null,  -- pending | approved | denied
    reason       text,
    requested_at timestamptz not null default now(),
    decided_at   timestamptz,
    unique (turn_id, call_id)
);
create index approvals_pending on runtime.approvals (requested_at) where status = 'pending';

-- Context snapshots: when a conversation outgrows the agent's window, the oldest whole turns are left behind; a
-- snapshot says through which journal position, with the summary that stands in for them (strategy summarize) or
-- none (drop_oldest). A turn loads the newest snapshot and only the messages after it, so a long session is never
-- replayed whole.
create table runtime.context_snapshots (
    session_id       uuid        not null references runtime.sessions (id),
    through_position int         not null,
    summary          text,
    created_at       timestamptz not null default now(),
    primary key (session_id, through_position)
);

-- What was sent to the model, per call: the system prompt of the session's agent version, the snapshot's summary if
-- any, and the journal from first_position to last_position. The debugger rebuilds the exact request from these
-- without the prompt being stored again per call (storage grows with the conversation, not its square).
create table runtime.model_calls (
    request_id        text primary key,   -- <turn>/<round>: the same on every attempt of the call
    session_id        uuid        not null references runtime.sessions (id),
    turn_id           uuid        not null references runtime.turns (id),
    model             text        not null,
    snapshot_position int,                 -- through_position of the snapshot used, or null
    first_position    int         not null,
    last_position     int         not null,
    prompt_tokens     int         not null, -- as counted before the call (jtokkit)
    created_at        timestamptz not null default now()
);
create index model_calls_turn on runtime.model_calls (turn_id, created_at);

-- Sub-agents: other agents an agent may ask, as tools. A sub-agent's session is a child of the asking one; its depth
-- (0 for sessions people and programs open) is limited by runtime.sub-agents.max-depth.
alter table runtime.agent_versions add column sub_agents uuid[] not null default '{}';
alter table runtime.sessions
    add column parent_session_id uuid references runtime.sessions (id),
    add column depth             int not null default 0;

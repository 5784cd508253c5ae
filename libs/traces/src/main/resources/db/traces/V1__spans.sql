-- The spans of agents' work (turns, model calls, tool calls), written by agent-runtime and llm-gateway off the hot path.
-- A session's turns share one trace, whose id is the session's id (SessionTraces), so a session's spans are one range
-- of the primary key. A span is written when it ends.
create table traces.spans (
    trace_id       text        not null, -- 32 hex digits
    span_id        text        not null, -- 16 hex digits
    parent_span_id text,
    org_id         uuid,
    session_id     uuid,
    service        text        not null, -- agent-runtime, llm-gateway
    operation      text        not null, -- gen_ai.operation.name: invoke_agent, chat, execute_tool
    name           text        not null,
    started_at     timestamptz not null,
    ended_at       timestamptz not null,
    status         text        not null, -- ok, error
    error_type     text,
    attributes     jsonb       not null,
    primary key (trace_id, span_id)
);
-- retention deletes the oldest first, in bounded batches
create index spans_started on traces.spans (started_at);

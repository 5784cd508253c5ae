-- One row per LLM call, written in batches off the streaming path.
create table gateway.llm_calls (
    id              bigserial primary key,
    request_id      text        not null,
    session_id      text,
    turn_id         text,
    model           text        not null,
    provider        text        not null,
    status          text        not null,  -- ok, or the Failed chunk's code
    input_tokens    int         not null,
    output_tokens   int         not null,
    latency_ms      int         not null,
    ttft_ms         int,                   -- null when no chunk with content arrived
    started_at      timestamptz not null
);
create index llm_calls_started_at on gateway.llm_calls (started_at desc);
create index llm_calls_session on gateway.llm_calls (session_id);

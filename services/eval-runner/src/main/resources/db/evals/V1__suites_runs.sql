create table evals.suites (
    id         uuid primary key,
    name       text        not null,
    agent_id   uuid        not null,   -- an agent of agent-runtime (checked through its API, not its schema)
    created_at timestamptz not null default now()
);

create table evals.cases (
    suite_id         uuid not null references evals.suites (id),
    position         int  not null,
    input            text not null,
    expect_contains  text not null,
    primary key (suite_id, position)
);

-- status: running -> completed
create table evals.runs (
    id          uuid primary key,
    suite_id    uuid        not null references evals.suites (id),
    status      text        not null,
    passed      int         not null default 0,
    failed      int         not null default 0,
    created_at  timestamptz not null default now(),
    finished_at timestamptz
);
create index runs_suite on evals.runs (suite_id, created_at desc);

create table evals.results (
    run_id      uuid    not null references evals.runs (id),
    position    int     not null,
    session_id  uuid    not null,
    passed      boolean not null,
    answer      text,
    error       text,
    latency_ms  int     not null,
    primary key (run_id, position)
);

-- Suites are documents (YAML or JSON, docs/architecture.md "Evals"); every run is an experiment that keeps the
-- document it ran, the agent version and model, and per case and repetition what happened and how each expectation
-- came out.

alter table evals.suites
    add column document   jsonb,
    add column source     text,          -- the YAML as it was sent (comments and all); null when sent as JSON
    add column updated_at timestamptz not null default now(),
    add column next_run_at timestamptz;      -- the next tick of its schedule, if it has one
create index suites_due on evals.suites (next_run_at) where next_run_at is not null;

-- the one-turn "answer contains" cases of before, as documents
update evals.suites s set document = jsonb_build_object(
        'name', s.name,
        'agent', s.agent_id::text,
        'cases', (select jsonb_agg(jsonb_build_object(
                        'name', 'case ' || (c.position + 1),
                        'turns', jsonb_build_array(jsonb_build_object(
                                'user', c.input,
                                'expect', jsonb_build_array(jsonb_build_object('contains', c.expect_contains)))))
                    order by c.position)
                  from evals.cases c where c.suite_id = s.id));
update evals.suites set document = jsonb_build_object('name', name, 'agent', agent_id::text, 'cases', '[]'::jsonb)
    where document ->> 'cases' is null;
alter table evals.suites alter column document set not null;

-- a suite is known by its name within its organization (the CLI sends the same file again)
update evals.suites s set name = left(s.name, 188) || ' (' || left(s.id::text, 8) || ')'
    where exists (select 1 from evals.suites o where o.org_id = s.org_id and o.name = s.name
                  and (o.created_at, o.id) < (s.created_at, s.id));
update evals.suites set document = jsonb_set(document, '{name}', to_jsonb(name));
create unique index suites_name on evals.suites (org_id, name);

-- status: running -> completed | interrupted (its runner died and it could not go on) | failed (it could not start)
alter table evals.runs
    add column org_id        uuid,
    add column document      jsonb,
    add column agent_id      uuid,
    add column agent_version int,
    add column model         text,
    add column baseline_id   uuid references evals.runs (id) on delete set null,
    add column errored       int not null default 0,
    add column total         int not null default 0,
    add column trigger       text not null default 'api',
    add column judge_prompt  text,
    add column error         text,
    add column attempts      int not null default 1, -- runners that took it up (a run that keeps killing them stops)
    add column runner        text,          -- the eval-runner replica running it, while it runs
    add column lease_until   timestamptz;
update evals.runs r set org_id = s.org_id, document = s.document, agent_id = s.agent_id,
                        total = r.passed + r.failed
    from evals.suites s where s.id = r.suite_id;
alter table evals.runs alter column org_id set not null, alter column document set not null,
                       alter column agent_id set not null;
-- a run under way when this migration ran had no lease: it cannot be taken up, so it ends here
update evals.runs set status = 'interrupted', finished_at = now(), error = 'eval-runner was upgraded while it ran'
    where status = 'running';
create index runs_org on evals.runs (org_id, created_at desc);
create index runs_unfinished on evals.runs (lease_until) where status = 'running';

-- one row per case and repetition; turns: per turn what the user said, the answer, status, tool calls, latency,
-- tokens and the checks of its expectations; checks: the case's own expectations
create table evals.case_results (
    run_id        uuid    not null references evals.runs (id) on delete cascade,
    case_index    int     not null,
    repetition    int     not null,
    case_name     text    not null,
    session_id    uuid,
    agent_version int,                  -- what the session ran on (a run on the published version learns it so)
    model         text,
    outcome       text    not null,     -- pass | fail | error
    answer        text,                 -- the last answer
    reason        text,                 -- why it did not pass: the first failed (or errored) check
    latency_ms    int     not null,
    tokens        int     not null default 0,
    cost_usd      numeric,              -- null: not known
    turns         jsonb   not null,
    checks        jsonb   not null,
    finished_at   timestamptz not null default now(),
    primary key (run_id, case_index, repetition)
);
insert into evals.case_results (run_id, case_index, repetition, case_name, session_id, outcome, answer, reason,
                                latency_ms, turns, checks)
    select r.run_id, r.position, 0, 'case ' || (r.position + 1), r.session_id,
           case when r.passed then 'pass' else 'fail' end, r.answer, r.error, r.latency_ms, '[]'::jsonb, '[]'::jsonb
    from evals.results r;
drop table evals.results;
drop table evals.cases;

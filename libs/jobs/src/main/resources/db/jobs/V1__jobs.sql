-- A service's background jobs (libs/jobs), in its own schema (switchboard.jobs.schema).

-- Jobs to run: db-scheduler's table, as its PostgreSQL schema has it, and two columns of ours it leaves alone: whose job
-- it is (none: the platform's own) and why its last attempt failed. A job is one row per kind (task_name) and key
-- (task_instance): the same job is never queued twice.
create table ${flyway:defaultSchema}.scheduled_tasks (
    task_name            text        not null,
    task_instance        text        not null,
    task_data            bytea,
    execution_time       timestamptz not null,
    picked               boolean     not null,
    picked_by            text,
    last_success         timestamptz,
    last_failure         timestamptz,
    consecutive_failures int,
    last_heartbeat       timestamptz,
    version              bigint      not null,
    priority             smallint,
    org_id               uuid,
    last_error           text,
    queued_at            timestamptz not null default now(),
    primary key (task_name, task_instance)
);
create index scheduled_tasks_execution_time on ${flyway:defaultSchema}.scheduled_tasks (execution_time);
create index scheduled_tasks_last_heartbeat on ${flyway:defaultSchema}.scheduled_tasks (last_heartbeat);
create index scheduled_tasks_priority on ${flyway:defaultSchema}.scheduled_tasks (priority desc, execution_time asc);
create index scheduled_tasks_org on ${flyway:defaultSchema}.scheduled_tasks (org_id);

-- Jobs that ended: done, discarded after their last attempt failed (with its error), or cancelled by hand. A job that
-- runs again and again (a schedule) leaves a row per run.
create table ${flyway:defaultSchema}.job_runs (
    id            bigint generated always as identity primary key,
    task_name     text        not null,
    task_instance text        not null,
    org_id        uuid,
    status        text        not null check (status in ('done', 'discarded', 'cancelled')),
    attempts      int         not null,
    last_error    text,
    task_data     bytea,
    run_for       timestamptz,
    finished_at   timestamptz not null default now()
);
create index job_runs_org_finished on ${flyway:defaultSchema}.job_runs (org_id, finished_at desc);
create index job_runs_finished on ${flyway:defaultSchema}.job_runs (finished_at);

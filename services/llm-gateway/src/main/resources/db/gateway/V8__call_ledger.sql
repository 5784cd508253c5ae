-- Every call is written down before it goes upstream, with what it may cost at most (its reservation), and settled
-- when it ends, in batches (CallRecorder): a crashed replica leaves its calls as 'running' rows that a sweep settles as
-- 'interrupted', so no call goes unrecorded, and budgets count calls in flight, across replicas.
alter table gateway.llm_calls alter column latency_ms drop not null;
alter table gateway.llm_calls add column reserved_usd numeric(18, 9) not null default 0;
-- what was reserved on the key's budget and on the organization's (0 where there was no budget)
alter table gateway.llm_calls add column key_reserved_usd numeric(18, 9) not null default 0;
alter table gateway.llm_calls add column org_reserved_usd numeric(18, 9) not null default 0;
create index llm_calls_running on gateway.llm_calls (started_at) where status = 'running';

alter table gateway.api_keys add column reserved_usd numeric(18, 9) not null default 0;

-- An organization's monthly budget (calendar months, UTC) for every call it makes: its agents' over Kafka and its
-- keys' through the front doors. spent_usd is this month's; a new month starts from nothing.
create table gateway.org_budgets (
    org_id       uuid primary key,
    monthly_usd  numeric(18, 9) not null,
    month        date           not null,
    spent_usd    numeric(18, 9) not null default 0,
    reserved_usd numeric(18, 9) not null default 0,
    updated_at   timestamptz    not null default now()
);

-- Opens a call: reserves p_reserve on the organization's budget and the key's (when they have one) unless that would
-- go over either, and inserts the call's row. Gives the row's id, or -1 (the key's budget) or -2 (the organization's)
-- when refused. Locks the organization's row before the key's, as settling does: no deadlock between them. Its commit
-- does not wait for the disk (a crash of PostgreSQL itself may lose the last fraction of a second of openings; one of
-- the gateway loses nothing): a budgeted key's row is held for microseconds, not for a flush, so its calls do not
-- queue behind one another.
create function gateway.open_call(p_request_id text, p_session_id text, p_turn_id text, p_agent_id text,
                                  p_model text, p_api_key_id uuid, p_org_id uuid, p_reserve numeric,
                                  p_started_at timestamptz) returns bigint
    language plpgsql as $$
declare
    this_month date := date_trunc('month', now() at time zone 'UTC')::date;
    fits boolean;
    on_org numeric := 0;
    on_key numeric := 0;
    call_id bigint;
begin
    perform set_config('synchronous_commit', 'off', true);
    update gateway.org_budgets
       set spent_usd = case when month < this_month then 0 else spent_usd end, month = this_month,
           reserved_usd = reserved_usd + p_reserve, updated_at = now()
     where org_id = p_org_id
    returning spent_usd + reserved_usd <= monthly_usd into fits;
    if fits is not null then
        if not fits then
            update gateway.org_budgets set reserved_usd = reserved_usd - p_reserve where org_id = p_org_id;
            return -2;
        end if;
        on_org := p_reserve;
    end if;
    fits := null;
    if p_api_key_id is not null then
        update gateway.api_keys set reserved_usd = reserved_usd + p_reserve
         where id = p_api_key_id and budget_usd is not null
        returning spent_usd + reserved_usd <= budget_usd into fits;
        if fits is not null then
            if not fits then
                update gateway.api_keys set reserved_usd = reserved_usd - p_reserve where id = p_api_key_id;
                update gateway.org_budgets set reserved_usd = reserved_usd - on_org where org_id = p_org_id;
                return -1;
            end if;
            on_key := p_reserve;
        end if;
    end if;
    insert into gateway.llm_calls (request_id, session_id, turn_id, agent_id, model, provider, status, input_tokens,
                                   output_tokens, started_at, api_key_id, org_id, reserved_usd, key_reserved_usd,
                                   org_reserved_usd)
    values (p_request_id, p_session_id, p_turn_id, p_agent_id, p_model, 'none', 'running', 0, 0, p_started_at,
            p_api_key_id, p_org_id, p_reserve, on_key, on_org)
    returning id into call_id;
    return call_id;
end $$;

-- Every call is written down before it goes upstream, with what it may cost at most (its reservation), and settled
-- when it ends: a crashed replica leaves its calls as 'running' rows that a sweep settles as 'interrupted', so no
-- call goes unrecorded, and budgets count calls in flight, across replicas.
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
-- when refused. Locks the organization's row before the key's, as settle_call does: no deadlock between them.
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

-- Settles a running call: its outcome, and its cost moved from reserved to spent on the organization and the key.
-- A call already settled is left alone (a late settle and the sweep cannot both count it).
create function gateway.settle_call(p_id bigint, p_status text, p_deployment text, p_upstream_model text,
                                    p_provider text, p_attempts int, p_input_tokens int, p_output_tokens int,
                                    p_cached_input_tokens int, p_cost numeric, p_latency_ms int, p_ttft_ms int)
    returns boolean
    language plpgsql as $$
declare
    settled gateway.llm_calls%rowtype;
begin
    update gateway.llm_calls
       set status = p_status, deployment = p_deployment, upstream_model = p_upstream_model, provider = p_provider,
           attempts = p_attempts, input_tokens = p_input_tokens, output_tokens = p_output_tokens,
           cached_input_tokens = p_cached_input_tokens, cost_usd = p_cost, latency_ms = p_latency_ms,
           ttft_ms = p_ttft_ms
     where id = p_id and status = 'running'
    returning * into settled;
    if not found then
        return false;
    end if;
    update gateway.org_budgets
       set reserved_usd = greatest(reserved_usd - settled.org_reserved_usd, 0), spent_usd = spent_usd + p_cost,
           updated_at = now()
     where org_id = settled.org_id;
    if settled.api_key_id is not null then
        update gateway.api_keys
           set reserved_usd = greatest(reserved_usd - settled.key_reserved_usd, 0), spent_usd = spent_usd + p_cost
         where id = settled.api_key_id;
    end if;
    return true;
end $$;

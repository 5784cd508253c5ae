-- Hourly rollups of the call ledger, so that dashboards over months read hours instead of calls, and outlive the
-- calls' own retention. One row per organization, hour (UTC), split (all, model, deployment, agent or key) and key of
-- that split; turns and sessions are the distinct ones with a call in that hour. Written by the usage-rollup job
-- (UsageRollup) up to usage_rollup.rolled_until; the series read the calls themselves after it.
create table gateway.usage_hourly (
    org_id              uuid           not null,
    hour                timestamptz    not null,
    split               text           not null,
    key                 text           not null,
    calls               bigint         not null,
    errors              bigint         not null,
    input_tokens        bigint         not null,
    output_tokens       bigint         not null,
    cached_input_tokens bigint         not null,
    cost_usd            numeric(18, 9) not null,
    unpriced_calls      bigint         not null,
    turns               bigint         not null,
    sessions            bigint         not null,
    latency_ms          int[]          not null,
    ttft_ms             int[]          not null,
    primary key (org_id, split, hour, key)
);
create index usage_hourly_hour on gateway.usage_hourly (hour);

create table gateway.usage_rollup (
    rolled_until timestamptz -- every call started before it is in usage_hourly; null: none yet
);
insert into gateway.usage_rollup values (null);

-- A histogram of milliseconds in 82 buckets, four per doubling (so a percentile read from it is within 9 %): bucket 1
-- holds 0, bucket b >= 2 holds [2^((b-2)/4), 2^((b-1)/4)), and bucket 82 everything from about 17 minutes.
-- LatencyHistogram reads them; the two must agree.
create function gateway.histogram_add(counts int[], ms int) returns int[] language plpgsql immutable parallel safe as $$
declare
    b int;
begin
    if counts is null then
        counts := array_fill(0, array[82]);
    end if;
    if ms is not null then
        b := case when ms < 1 then 1 else least(2 + floor(ln(ms) / ln(2) * 4)::int, 82) end;
        counts[b] := counts[b] + 1;
    end if;
    return counts;
end
$$;
create aggregate gateway.histogram(int) (sfunc = gateway.histogram_add, stype = int[]);

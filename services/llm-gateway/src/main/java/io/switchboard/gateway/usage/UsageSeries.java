package io.switchboard.gateway.usage;

import io.smallrye.mutiny.Uni;
import io.switchboard.gateway.cost.PriceTable;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The dashboards' time series, from the call ledger: per time bucket and per model, deployment, agent, key or
 * organization, the calls, errors, tokens, cost, latency and time-to-first-chunk percentiles, and the turns and
 * sessions those calls served (agents' calls carry their turn and session), each counted once per hour it had a call
 * in. One organization's, or the whole platform's (for platform administrators). Buckets of whole hours between whole
 * hours read the hourly rollups ({@link UsageRollup}) as far as they go and the ledger after; their percentiles come
 * from histograms, within 9 %. Other buckets read the ledger.
 */
@ApplicationScoped
public class UsageSeries {
    private static final String ORG_NAME =
            "coalesce((select o.name from identity.orgs o where o.id = org_id), org_id::text)";
    /**
     * What a series may be split by: each one's SQL over the ledger (an unknown key is refused before here); model,
     * deployment and agent as the rollups group them, keys and organizations by name.
     */
    public static final Map<String, String> SPLITS = Map.of(
            "model", UsageRollup.SPLITS.get("model"),
            "deployment", UsageRollup.SPLITS.get("deployment"),
            "agent", UsageRollup.SPLITS.get("agent"),
            "key", "coalesce((select k.name from gateway.api_keys k where k.id = api_key_id), '(none)')",
            "org", ORG_NAME,
            "all", "'all'");
    /** A rollup row's key, as the series shows it: keys and organizations by name. */
    private static final Map<String, String> ROLLUP_KEYS = Map.of(
            "key", "case when key = '(none)' then key"
                    + " else coalesce((select k.name from gateway.api_keys k where k.id = key::uuid), '(none)') end",
            "org", ORG_NAME);
    private static final Duration HOUR = Duration.ofHours(1);
    /** The buckets' origin (that of {@code date_bin}): buckets of a day start at midnight UTC. */
    private static final Instant ORIGIN = Instant.parse("2000-01-01T00:00:00Z");

    /** One bucket of one series; latencies in milliseconds, null when no call of the bucket had one. */
    public record Point(Instant bucket, String key, long calls, long errors, long inputTokens, long outputTokens,
                        BigDecimal costUsd, Double latencyP50, Double latencyP95, Double latencyP99, Double ttftP50,
                        Double ttftP95, long turns, long sessions) {
    }

    private final Pool pool;

    public UsageSeries(Pool pool) {
        this.pool = pool;
    }

    /**
     * The organization's ended calls (every organization's when {@code orgId} is null) started in [from, to), in
     * buckets of {@code step}, split by {@code by}.
     */
    public Uni<List<Point>> of(UUID orgId, Instant from, Instant to, Duration step, String by) {
        boolean wholeHours = step.toSeconds() % HOUR.toSeconds() == 0 && from.getEpochSecond() % 3600 == 0
                && to.getEpochSecond() % 3600 == 0;
        return wholeHours ? fromHours(orgId, from, to, step, by) : fromCalls(orgId, from, to, step, by);
    }

    private Uni<List<Point>> fromCalls(UUID orgId, Instant from, Instant to, Duration step, String by) {
        String hour = UsageRollup.HOUR.formatted("started_at");
        String sql = "select date_bin(make_interval(secs => $4), started_at, timestamptz '2000-01-01 00:00:00+00') as bucket, "
                + SPLITS.get(by) + " as key, count(*) as calls,"
                + " count(*) filter (where status <> 'ok') as errors,"
                + " sum(input_tokens) as input, sum(output_tokens) as output, coalesce(sum(cost_usd), 0) as cost,"
                + " percentile_cont(0.5) within group (order by latency_ms) as p50,"
                + " percentile_cont(0.95) within group (order by latency_ms) as p95,"
                + " percentile_cont(0.99) within group (order by latency_ms) as p99,"
                + " percentile_cont(0.5) within group (order by ttft_ms) as ttft50,"
                + " percentile_cont(0.95) within group (order by ttft_ms) as ttft95,"
                + " count(distinct (turn_id, " + hour + ")) filter (where turn_id is not null) as turns,"
                + " count(distinct (session_id, " + hour + ")) filter (where session_id is not null) as sessions"
                + " from gateway.llm_calls where " + orgFilter(orgId)
                + " and started_at >= $1 and started_at < $2 and status <> 'running' group by 1, 2 order by 1, 2";
        return pool.preparedQuery(sql).execute(Tuple.of(from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC),
                orgId, (double) step.toSeconds())).map(rows -> {
                    List<Point> points = new ArrayList<>(rows.rowCount());
                    for (Row r : rows) {
                        points.add(new Point(r.getOffsetDateTime("bucket").toInstant(), r.getString("key"),
                                r.getLong("calls"), r.getLong("errors"), r.getLong("input"), r.getLong("output"),
                                PriceTable.plain(r.getBigDecimal("cost")), r.getDouble("p50"), r.getDouble("p95"),
                                r.getDouble("p99"), r.getDouble("ttft50"), r.getDouble("ttft95"), r.getLong("turns"),
                                r.getLong("sessions")));
                    }
                    return points;
                });
    }

    /** The rollups' hours before {@code rolled_until}, the ledger's hours counted alike after it, in buckets. */
    private Uni<List<Point>> fromHours(UUID orgId, Instant from, Instant to, Duration step, String by) {
        String split = by.equals("org") ? "all" : by;
        String columns = "org_id, hour, key, calls, errors, input_tokens, output_tokens, cost_usd, turns, sessions,"
                + " latency_ms, ttft_ms";
        String sql = "with w as (select coalesce(rolled_until, '-infinity') as until from gateway.usage_rollup),"
                + " h as (select " + columns + " from gateway.usage_hourly where split = $4 and " + orgFilter(orgId)
                + " and hour >= $1 and hour < least($2, (select until from w))"
                + " union all select " + columns + " from (" + UsageRollup.hourly(orgFilter(orgId)
                + " and started_at >= greatest($1, (select until from w)) and started_at < $2 and status <> 'running'",
                List.of(split)) + ") live)"
                + " select hour, " + ROLLUP_KEYS.getOrDefault(by, "key") + " as key, calls, errors, input_tokens,"
                + " output_tokens, cost_usd, turns, sessions, latency_ms, ttft_ms from h";
        return pool.preparedQuery(sql).execute(Tuple.of(from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC),
                orgId, split)).map(rows -> {
                    Map<Instant, Map<String, Bucket>> buckets = new TreeMap<>();
                    for (Row r : rows) {
                        Instant hour = r.getOffsetDateTime("hour").toInstant();
                        Instant bucket = ORIGIN.plus(step.multipliedBy(
                                Duration.between(ORIGIN, hour).toSeconds() / step.toSeconds()));
                        buckets.computeIfAbsent(bucket, b -> new TreeMap<>())
                                .computeIfAbsent(r.getString("key"), k -> new Bucket()).add(r);
                    }
                    List<Point> points = new ArrayList<>();
                    buckets.forEach((bucket, keys) -> keys.forEach((key, b) -> points.add(b.point(bucket, key))));
                    return points;
                });
    }

    private static String orgFilter(UUID orgId) {
        return orgId == null ? "$3::uuid is null" : "org_id = $3";
    }

    /** The rows of one bucket and key, added up. */
    private static final class Bucket {
        long calls;
        long errors;
        long input;
        long output;
        BigDecimal cost = BigDecimal.ZERO;
        long turns;
        long sessions;
        final LatencyHistogram latency = new LatencyHistogram();
        final LatencyHistogram ttft = new LatencyHistogram();

        void add(Row r) {
            calls += r.getLong("calls");
            errors += r.getLong("errors");
            input += r.getLong("input_tokens");
            output += r.getLong("output_tokens");
            cost = cost.add(r.getBigDecimal("cost_usd"));
            turns += r.getLong("turns");
            sessions += r.getLong("sessions");
            latency.add(r.getArrayOfIntegers("latency_ms"));
            ttft.add(r.getArrayOfIntegers("ttft_ms"));
        }

        Point point(Instant bucket, String key) {
            return new Point(bucket, key, calls, errors, input, output, PriceTable.plain(cost),
                    latency.percentile(0.5), latency.percentile(0.95), latency.percentile(0.99), ttft.percentile(0.5),
                    ttft.percentile(0.95), turns, sessions);
        }
    }
}

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
import java.util.UUID;

/**
 * The dashboards' time series, from the call ledger: per time bucket and per model, deployment, agent, key or
 * organization, the calls, errors, tokens, cost, latency and time-to-first-chunk percentiles, and the turns and
 * sessions those calls served (agents' calls carry their turn and session). One organization's, or the whole
 * platform's (for platform administrators).
 */
@ApplicationScoped
public class UsageSeries {
    /** What a series may be split by: the SQL of each (an unknown key is refused before it gets here). */
    public static final Map<String, String> SPLITS = Map.of(
            "model", "model",
            "deployment", "coalesce(deployment, '(none)')",
            "agent", "coalesce(agent_id, '(none)')",
            "key", "coalesce((select k.name from gateway.api_keys k where k.id = api_key_id), '(none)')",
            "org", "coalesce((select o.name from identity.orgs o where o.id = org_id), org_id::text)",
            "all", "'all'");

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
        String sql = "select date_bin(make_interval(secs => $4), started_at, timestamptz '2000-01-01 00:00:00+00') as bucket, "
                + SPLITS.get(by) + " as key, count(*) as calls,"
                + " count(*) filter (where status <> 'ok') as errors,"
                + " sum(input_tokens) as input, sum(output_tokens) as output, coalesce(sum(cost_usd), 0) as cost,"
                + " percentile_cont(0.5) within group (order by latency_ms) as p50,"
                + " percentile_cont(0.95) within group (order by latency_ms) as p95,"
                + " percentile_cont(0.99) within group (order by latency_ms) as p99,"
                + " percentile_cont(0.5) within group (order by ttft_ms) as ttft50,"
                + " percentile_cont(0.95) within group (order by ttft_ms) as ttft95,"
                + " count(distinct turn_id) as turns, count(distinct session_id) as sessions"
                + " from gateway.llm_calls where " + (orgId == null ? "$3::uuid is null" : "org_id = $3")
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
}

package io.switchboard.gateway.usage;

import io.smallrye.mutiny.Uni;
import io.switchboard.gateway.config.GatewayConfig;
import io.switchboard.jobs.Cron;
import io.switchboard.jobs.Job;
import io.switchboard.jobs.JobKind;
import io.switchboard.jobs.JobResult;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Rolls the call ledger up into {@code gateway.usage_hourly}, every hour, the hours that have ended and hold no running
 * call: per organization, hour and each split (all, model, deployment, agent, key), the calls, errors, tokens, cost,
 * turns, sessions and latency histograms. {@code gateway.usage_rollup.rolled_until} says how far; {@link UsageSeries}
 * reads the rollups before it and the calls after it. A first run (or one after a pause) catches up a day per
 * transaction. A call opened later than {@link #MARGIN} after its start into an hour already rolled is not counted in
 * the rollups (only in the ledger).
 */
@ApplicationScoped
public class UsageRollup implements JobKind<Instant> {
    public static final String NAME = "usage-rollup";
    /** How long after an hour ends before it is rolled: calls started in it may still be being written. */
    static final Duration MARGIN = Duration.ofMinutes(2);
    /** The most one transaction rolls up. */
    private static final Duration CHUNK = Duration.ofDays(1);
    /** The most transactions one run makes before it queues itself again (a catch-up). */
    private static final int CHUNKS_PER_RUN = 31;
    static final String HOUR = "date_bin('1 hour', %s, timestamptz '2000-01-01 00:00:00+00')";

    /** The splits a rollup row may be of, and the column of the ledger's row each one groups by. */
    static final Map<String, String> SPLITS = Map.of(
            "model", "model",
            "deployment", "coalesce(deployment, '(none)')",
            "agent", "coalesce(agent_id, '(none)')",
            "key", "coalesce(api_key_id::text, '(none)')");

    private final Pool pool;
    private final CallRecorder recorder;
    private final Cron ticks;

    public UsageRollup(Pool pool, CallRecorder recorder, GatewayConfig config) {
        this.pool = pool;
        this.recorder = recorder;
        String rollup = config.usage().rollup();
        this.ticks = rollup.equals("off") ? null : Cron.parse(rollup, null);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Instant> dataType() {
        return Instant.class;
    }

    @Override
    public Cron recurring() {
        return ticks;
    }

    /** Whether the ledger is rolled up at all ({@code gateway.usage.rollup} is not {@code off}). */
    public boolean on() {
        return ticks != null;
    }

    @Override
    public boolean cancellable() {
        return false;
    }

    @Override
    public Uni<JobResult<Instant>> run(Job<Instant> job) {
        return roll(Instant.now(), CHUNKS_PER_RUN).map(caughtUp -> caughtUp ? JobResult.nextTick(ticks)
                : JobResult.again(Instant.now(), job.data()));
    }

    /**
     * Settles the calls a dead replica left running, then rolls up to {@code chunks} days of the hours that ended
     * {@link #MARGIN} before {@code now}; whether it caught up.
     */
    public Uni<Boolean> roll(Instant now, int chunks) {
        return recorder.settleLost(now).flatMap(x -> rollChunks(now, chunks));
    }

    private Uni<Boolean> rollChunks(Instant now, int chunks) {
        return pool.withTransaction(tx -> rollChunk(tx, now)).flatMap(more -> !more ? Uni.createFrom().item(true)
                : chunks <= 1 ? Uni.createFrom().item(false) : rollChunks(now, chunks - 1));
    }

    /** Rolls the next hours (a day at most) in the transaction; whether more remain. */
    private Uni<Boolean> rollChunk(SqlClient tx, Instant now) {
        String lastHour = HOUR.formatted("$1::timestamptz");
        String firstCall = HOUR.formatted("min(started_at)");
        // how far it may go: to the last hour that ended, or the first that has a running call
        return tx.preparedQuery("select r.rolled_until, least(" + lastHour + ", (select " + firstCall
                        + " from gateway.llm_calls where status = 'running')) as ended, (select " + firstCall
                        + " from gateway.llm_calls where started_at >= coalesce(r.rolled_until, '-infinity')) as first"
                        + " from gateway.usage_rollup r for update")
                .execute(Tuple.of(now.minus(MARGIN).atOffset(ZoneOffset.UTC)))
                .flatMap(rows -> {
                    Row r = rows.iterator().next();
                    OffsetDateTime rolled = r.getOffsetDateTime("rolled_until");
                    OffsetDateTime ended = r.getOffsetDateTime("ended");
                    OffsetDateTime first = r.getOffsetDateTime("first"); // hours before it, since rolled, have no call
                    OffsetDateTime from = first == null ? ended : first;
                    if (!from.isBefore(ended)) { // nothing ended to roll: only hours without calls
                        OffsetDateTime mark = rolled != null && rolled.isAfter(ended) ? rolled : ended;
                        return tx.preparedQuery("update gateway.usage_rollup set rolled_until = $1")
                                .execute(Tuple.of(mark)).replaceWith(false);
                    }
                    OffsetDateTime until = from.plus(CHUNK).isBefore(ended) ? from.plus(CHUNK) : ended;
                    Tuple hours = Tuple.of(from, until);
                    return tx.preparedQuery("delete from gateway.usage_hourly where hour >= $1 and hour < $2")
                            .execute(hours)
                            .flatMap(x -> tx.preparedQuery("insert into gateway.usage_hourly (org_id, hour, split, key,"
                                    + " calls, errors, input_tokens, output_tokens, cached_input_tokens, cost_usd,"
                                    + " unpriced_calls, turns, sessions, latency_ms, ttft_ms) "
                                    + hourly("started_at >= $1 and started_at < $2 and status <> 'running'",
                                    List.of("all", "model", "deployment", "agent", "key"))).execute(hours))
                            .flatMap(x -> tx.preparedQuery("update gateway.usage_rollup set rolled_until = $1")
                                    .execute(Tuple.of(until)))
                            .replaceWith(until.isBefore(ended));
                });
    }

    /**
     * The rollup rows of the ledger's rows that match {@code where}: by organization, hour and each of {@code splits}
     * (keys of {@link #SPLITS}, or {@code all}). The same query the rollups are made with, so that what the series
     * read from the ledger for the hours not rolled up yet is counted alike.
     */
    static String hourly(String where, List<String> splits) {
        List<String> columns = splits.stream().filter(SPLITS::containsKey).toList();
        String split = columns.isEmpty() ? "'all'" : "case " + columns.stream()
                .map(c -> "when grouping(" + column(c) + ") = 0 then '" + c + "' ").collect(Collectors.joining())
                + "else 'all' end";
        String key = columns.isEmpty() ? "'all'"
                : "coalesce(" + columns.stream().map(UsageRollup::column).collect(Collectors.joining(", ")) + ", 'all')";
        String sets = splits.stream().map(s -> s.equals("all") ? "()" : "(" + column(s) + ")")
                .collect(Collectors.joining(", "));
        return "select org_id, hour, " + split + " as split, " + key + " as key, count(*) as calls,"
                + " count(*) filter (where status <> 'ok') as errors, coalesce(sum(input_tokens), 0) as input_tokens,"
                + " coalesce(sum(output_tokens), 0) as output_tokens,"
                + " coalesce(sum(cached_input_tokens), 0) as cached_input_tokens,"
                + " coalesce(sum(cost_usd), 0) as cost_usd, count(*) filter (where cost_usd is null) as unpriced_calls,"
                + " count(distinct turn_id) as turns, count(distinct session_id) as sessions,"
                + " gateway.histogram(latency_ms) as latency_ms, gateway.histogram(ttft_ms) as ttft_ms"
                + " from (select org_id, " + HOUR.formatted("started_at") + " as hour, status, input_tokens,"
                + " output_tokens, cached_input_tokens, cost_usd, turn_id, session_id, latency_ms, ttft_ms, "
                + SPLITS.entrySet().stream().map(e -> e.getValue() + " as " + column(e.getKey()))
                        .collect(Collectors.joining(", "))
                + " from gateway.llm_calls where " + where + ") c group by org_id, hour, grouping sets (" + sets + ")";
    }

    /** The subquery's column of a split ({@code key} would be ambiguous beside the output's). */
    private static String column(String split) {
        return "by_" + split;
    }
}

package io.switchboard.gateway.maintenance;

import io.smallrye.mutiny.Uni;
import io.switchboard.gateway.config.GatewayConfig;
import io.switchboard.gateway.usage.UsageRollup;
import io.switchboard.jobs.BatchedDelete;
import io.switchboard.jobs.Cron;
import io.switchboard.jobs.Job;
import io.switchboard.jobs.JobKind;
import io.switchboard.jobs.JobResult;
import io.switchboard.jobs.Jobs;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Deletes the gateway's records past their age, every hour, in bounded batches: model calls (settled ones, and only
 * once they are rolled up) older than {@code gateway.retention.calls} when it is set, hourly usage rollups older than
 * {@code gateway.retention.usage} when it is set, keys' rate windows older than a day, ended jobs older than 30 days.
 */
@ApplicationScoped
public class Retention implements JobKind<Instant> {
    public static final String NAME = "retention";
    private static final Logger LOG = Logger.getLogger(Retention.class);

    private final Pool pool;
    private final Jobs jobs;
    private final GatewayConfig config;
    private final UsageRollup rollup;

    public Retention(Pool pool, Jobs jobs, GatewayConfig config, UsageRollup rollup) {
        this.pool = pool;
        this.jobs = jobs;
        this.config = config;
        this.rollup = rollup;
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
        return Cron.parse("41 * * * *", null);
    }

    @Override
    public Uni<JobResult<Instant>> run(Job<Instant> job) {
        return sweep(Instant.now()).map(deleted -> {
            if (deleted.values().stream().anyMatch(n -> n > 0)) {
                LOG.infof("retention deleted %s", deleted);
            }
            return JobResult.nextTick(recurring());
        });
    }

    /** Deletes what is past its age at {@code now}; how many rows of each kind went. */
    public Uni<Map<String, Integer>> sweep(Instant now) {
        return sweep(now, rollup.on());
    }

    /** As {@link #sweep(Instant)}; {@code keepUnrolled}: calls not rolled up yet stay. */
    Uni<Map<String, Integer>> sweep(Instant now, boolean keepUnrolled) {
        Map<String, Integer> deleted = new LinkedHashMap<>();
        String rolled = keepUnrolled ? " and started_at < (select rolled_until from gateway.usage_rollup)" : "";
        Uni<Void> calls = config.retention().calls().filter(age -> !age.isZero())
                .map(age -> batches("model calls", "delete from gateway.llm_calls where id = any(array(select id"
                        + " from gateway.llm_calls where started_at < $1 and status <> 'running'" + rolled
                        + " limit $2))", now.minus(age), deleted))
                .orElse(Uni.createFrom().voidItem());
        Uni<Void> usage = config.retention().usage().filter(age -> !age.isZero())
                .map(age -> batches("usage rollups", "delete from gateway.usage_hourly where ctid = any(array("
                        + "select ctid from gateway.usage_hourly where hour < $1 limit $2))", now.minus(age), deleted))
                .orElse(Uni.createFrom().voidItem());
        return calls.flatMap(x -> usage)
                .flatMap(x -> batches("key rate windows", "delete from gateway.api_key_windows where ctid = any(array("
                        + "select ctid from gateway.api_key_windows where window_start < $1 limit $2))",
                        now.minus(Duration.ofDays(1)), deleted))
                .flatMap(x -> batches("job runs", "delete from " + jobs.schema() + ".job_runs where id = any(array("
                        + "select id from " + jobs.schema() + ".job_runs where finished_at < $1 limit $2))",
                        now.minus(Duration.ofDays(30)), deleted))
                .replaceWith(deleted);
    }

    private Uni<Void> batches(String what, String sql, Instant cutoff, Map<String, Integer> deleted) {
        return BatchedDelete.run(pool, sql, cutoff).invoke(n -> deleted.put(what, n)).replaceWithVoid();
    }
}

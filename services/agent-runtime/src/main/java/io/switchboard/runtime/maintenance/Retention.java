package io.switchboard.runtime.maintenance;

import io.smallrye.mutiny.Uni;
import io.switchboard.jobs.BatchedDelete;
import io.switchboard.jobs.Cron;
import io.switchboard.jobs.Job;
import io.switchboard.jobs.JobKind;
import io.switchboard.jobs.JobResult;
import io.switchboard.jobs.Jobs;
import io.switchboard.runtime.config.RuntimeConfig;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Deletes the runtime's data past its age ({@code runtime.retention.*}), every hour, in bounded batches: sessions with
 * their journals (messages, turns, approvals, model-call records, context snapshots; none with a turn not finished or a
 * sub-agent session left, nor the session a schedule goes on in), ended jobs, webhook deliveries (their ids can be
 * replayed after that), schedules' runs.
 * Spans have their own ({@code SWITCHBOARD_SPAN_RETENTION}); the audit log is append-only and kept.
 */
@ApplicationScoped
public class Retention implements JobKind<Instant> {
    public static final String NAME = "retention";
    private static final Logger LOG = Logger.getLogger(Retention.class);

    private final Pool pool;
    private final Jobs jobs;
    private final RuntimeConfig config;

    public Retention(Pool pool, Jobs jobs, RuntimeConfig config) {
        this.pool = pool;
        this.jobs = jobs;
        this.config = config;
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
        return Cron.parse("23 * * * *", null);
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
        Map<String, Integer> deleted = new LinkedHashMap<>();
        RuntimeConfig.Retention ages = config.retention();
        return batches("sessions", sessions(), ages.sessions(), now, deleted)
                .flatMap(x -> batches("job runs", "delete from " + jobs.schema() + ".job_runs where id = any(array("
                        + "select id from " + jobs.schema() + ".job_runs where finished_at < $1 limit $2))",
                        Optional.of(ages.jobs()), now, deleted))
                .flatMap(x -> batches("webhook deliveries", "delete from runtime.webhook_deliveries where ctid ="
                        + " any(array(select ctid from runtime.webhook_deliveries where received_at < $1 limit $2))",
                        Optional.of(ages.webhookDeliveries()), now, deleted))
                .flatMap(x -> batches("schedule runs", "delete from runtime.schedule_runs where ctid = any(array("
                        + "select ctid from runtime.schedule_runs where ran_at < $1 limit $2))",
                        Optional.of(ages.scheduleRuns()), now, deleted))
                // places of background turns never journaled (they stopped counting after five minutes)
                .flatMap(x -> batches("background turn places", "delete from runtime.background_turns where turn_id"
                        + " = any(array(select turn_id from runtime.background_turns where started_at < $1 limit $2))",
                        Optional.of(Duration.ofDays(1)), now, deleted))
                .replaceWith(deleted);
    }

    /**
     * Sessions started before the cutoff whose every turn is finished and older than it, with no sub-agent session
     * left: their journals first, in one statement (foreign keys are checked at its end).
     */
    private static String sessions() {
        String doomed = "select s.id from runtime.sessions s where s.created_at < $1"
                + " and not exists (select 1 from runtime.turns t where t.session_id = s.id"
                + " and (t.created_at >= $1 or t.status in ('pending', 'running', 'waiting')))"
                + " and not exists (select 1 from runtime.sessions c where c.parent_session_id = s.id)"
                + " and not exists (select 1 from runtime.schedules sc where sc.session_id = s.id) limit $2";
        return "with doomed as (" + doomed + "),"
                + " m as (delete from runtime.messages where session_id in (select id from doomed)),"
                + " a as (delete from runtime.approvals where session_id in (select id from doomed)),"
                + " mc as (delete from runtime.model_calls where session_id in (select id from doomed)),"
                + " cs as (delete from runtime.context_snapshots where session_id in (select id from doomed)),"
                + " t as (delete from runtime.turns where session_id in (select id from doomed))"
                + " delete from runtime.sessions where id in (select id from doomed)";
    }

    private Uni<Void> batches(String what, String sql, Optional<Duration> age, Instant now,
                              Map<String, Integer> deleted) {
        if (age.isEmpty() || age.get().isZero()) {
            return Uni.createFrom().voidItem(); // kept
        }
        return BatchedDelete.run(pool, sql, now.minus(age.get())).invoke(n -> deleted.put(what, n)).replaceWithVoid();
    }
}

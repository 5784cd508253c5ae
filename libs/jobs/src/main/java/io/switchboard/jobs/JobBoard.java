package io.switchboard.jobs;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What the jobs page shows: jobs queued, running, retrying (their last error), and those that ended (done, failed after
 * their last attempt, cancelled), by kind; and cancelling or retrying one by hand. One organization's jobs, or with no
 * organization every job (the platform's own included), for platform administrators.
 */
@ApplicationScoped
public class JobBoard {
    public static final Set<String> STATUSES = Set.of("queued", "running", "retrying", "done", "failed", "cancelled");

    private final Pool pool;
    private final Jobs jobs;

    public JobBoard(Pool pool, Jobs jobs) {
        this.pool = pool;
        this.jobs = jobs;
    }

    /**
     * A job as listed. {@code attempts}: made so far (a job still to run: failed ones); {@code at}: when it runs next,
     * or when it ended; {@code byHand}: whether people may cancel or retry it here.
     */
    public record Listed(String kind, String key, UUID orgId, String status, int attempts, String lastError,
                         Instant at, Instant dueAt, boolean byHand) {
    }

    /** Counts by kind, then status; ended jobs those of {@code since} on. */
    public record Summary(Map<String, Map<String, Long>> byKind) {
    }

    private static final String LIVE_STATUS = "case when picked then 'running'"
            + " when coalesce(consecutive_failures, 0) > 0 then 'retrying' else 'queued' end";
    private static final String ENDED_STATUS = "case status when 'discarded' then 'failed' else status end";

    /** The newest {@code limit} jobs of the organization (null: all), of {@code kind} and {@code status} if given. */
    public Uni<List<Listed>> list(UUID orgId, String kind, String status, Instant since, int limit) {
        String s = jobs.schema();
        String sql = "select * from (select task_name, task_instance, org_id, " + LIVE_STATUS + " as status,"
                + " coalesce(consecutive_failures, 0) + case when picked then 1 else 0 end as attempts, last_error,"
                + " execution_time as at, execution_time as due_at from " + s + ".scheduled_tasks"
                + " where ($1::uuid is null or org_id = $1)"
                + " union all select task_name, task_instance, org_id, " + ENDED_STATUS + ", attempts, last_error,"
                + " finished_at, run_for from " + s + ".job_runs where ($1::uuid is null or org_id = $1)"
                + " and finished_at >= $4) j where ($2::text is null or task_name = $2)"
                + " and ($3::text is null or status = $3) order by at desc limit $5";
        return pool.preparedQuery(sql).execute(Tuple.from(Arrays.asList(orgId, kind, status,
                        OffsetDateTime.ofInstant(since, ZoneOffset.UTC), limit)))
                .map(rows -> {
                    List<Listed> out = new ArrayList<>(rows.rowCount());
                    for (Row r : rows) {
                        out.add(new Listed(r.getString("task_name"), r.getString("task_instance"),
                                r.getUUID("org_id"), r.getString("status"), r.getInteger("attempts"),
                                r.getString("last_error"), instant(r.getOffsetDateTime("at")),
                                instant(r.getOffsetDateTime("due_at")), jobs.cancellable(r.getString("task_name"))));
                    }
                    return out;
                });
    }

    /** How many jobs of the organization (null: all) are in each status, by kind. */
    public Uni<Summary> summary(UUID orgId, Instant since) {
        String s = jobs.schema();
        String sql = "select task_name, status, count(*) as n from (select task_name, " + LIVE_STATUS + " as status"
                + " from " + s + ".scheduled_tasks where ($1::uuid is null or org_id = $1)"
                + " union all select task_name, " + ENDED_STATUS + " from " + s + ".job_runs"
                + " where ($1::uuid is null or org_id = $1) and finished_at >= $2) j group by 1, 2";
        return pool.preparedQuery(sql).execute(Tuple.of(orgId, OffsetDateTime.ofInstant(since,
                        ZoneOffset.UTC)))
                .map(rows -> {
                    Map<String, Map<String, Long>> byKind = new TreeMap<>();
                    for (Row r : rows) {
                        byKind.computeIfAbsent(r.getString("task_name"), k -> new LinkedHashMap<>())
                                .put(r.getString("status"), r.getLong("n"));
                    }
                    return new Summary(byKind);
                });
    }

    /** What cancelling or retrying a job came to. */
    public enum Outcome { DONE, RUNNING, NOT_FOUND, NOT_CANCELLABLE }

    /** Takes a job that has not started (or waits to be tried again) off the queue; it is recorded as cancelled. */
    public Uni<Outcome> cancel(UUID orgId, String kind, String key) {
        if (!jobs.cancellable(kind)) {
            return Uni.createFrom().item(Outcome.NOT_CANCELLABLE);
        }
        String s = jobs.schema();
        return pool.withTransaction(tx -> tx.preparedQuery("with gone as (delete from " + s + ".scheduled_tasks"
                        + " where task_name = $1 and task_instance = $2 and ($3::uuid is null or org_id = $3)"
                        + " and not picked returning *) insert into " + s + ".job_runs (task_name, task_instance,"
                        + " org_id, status, attempts, last_error, task_data, run_for) select task_name, task_instance,"
                        + " org_id, 'cancelled', coalesce(consecutive_failures, 0), last_error, task_data,"
                        + " execution_time from gone").execute(Tuple.of(kind, key, orgId))
                .flatMap(rows -> rows.rowCount() == 1 ? Uni.createFrom().item(Outcome.DONE)
                        : running(tx, kind, key, orgId)));
    }

    /**
     * Runs a queued or retrying job now, or queues again one that failed after its last attempt or was cancelled
     * (with its data as it was, its attempts counted from one).
     */
    public Uni<Outcome> retry(UUID orgId, String kind, String key) {
        if (!jobs.cancellable(kind)) {
            return Uni.createFrom().item(Outcome.NOT_CANCELLABLE);
        }
        String s = jobs.schema();
        return pool.withTransaction(tx -> tx.preparedQuery("update " + s + ".scheduled_tasks set execution_time ="
                        + " now() where task_name = $1 and task_instance = $2 and ($3::uuid is null or org_id = $3)"
                        + " and not picked").execute(Tuple.of(kind, key, orgId))
                .flatMap(moved -> moved.rowCount() == 1 ? Uni.createFrom().item(Outcome.DONE)
                        : tx.preparedQuery("insert into " + s + ".scheduled_tasks (task_name, task_instance,"
                                        + " task_data, execution_time, picked, version, org_id) select task_name,"
                                        + " task_instance, task_data, now(), false, 1, org_id from " + s + ".job_runs"
                                        + " where task_name = $1 and task_instance = $2"
                                        + " and ($3::uuid is null or org_id = $3) and status in ('discarded',"
                                        + " 'cancelled') order by finished_at desc limit 1 on conflict do nothing")
                                .execute(Tuple.of(kind, key, orgId))
                                .flatMap(queued -> queued.rowCount() == 1 ? Uni.createFrom().item(Outcome.DONE)
                                        : running(tx, kind, key, orgId))))
                .invoke(outcome -> {
                    if (outcome == Outcome.DONE) {
                        jobs.wake();
                    }
                });
    }

    private Uni<Outcome> running(SqlConnection tx, String kind, String key, UUID orgId) {
        return tx.preparedQuery("select 1 from " + jobs.schema() + ".scheduled_tasks where task_name = $1"
                        + " and task_instance = $2 and ($3::uuid is null or org_id = $3) and picked")
                .execute(Tuple.of(kind, key, orgId))
                .map((RowSet<Row> rows) -> rows.rowCount() == 1 ? Outcome.RUNNING : Outcome.NOT_FOUND);
    }

    private static Instant instant(OffsetDateTime at) {
        return at == null ? null : at.toInstant();
    }
}

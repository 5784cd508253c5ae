package io.switchboard.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.serializer.JacksonSerializer;
import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.ExecutionContext;
import com.github.kagkarlsson.scheduler.task.ExecutionOperations;
import com.github.kagkarlsson.scheduler.task.Task;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

/**
 * The service's background jobs, in PostgreSQL (db-scheduler): a job is queued with {@link #enqueue} in the same
 * transaction as what caused it, so it exists only if that commits; one replica runs it (rows taken with
 * {@code for update skip locked}); a failed attempt is tried again with exponential backoff and jitter, and after the
 * kind's last attempt the job is recorded as failed with its error; a runner that stops sending heartbeats has its job
 * taken up by another; a kind and key make a job unique. Ended jobs are kept in {@code job_runs}.
 */
@ApplicationScoped
public class Jobs {
    private static final Logger LOG = Logger.getLogger(Jobs.class);
    private static final Duration MAX_RETRY = Duration.ofHours(1);
    /** The key of a recurring kind's one job. */
    public static final String RECURRING = "recurring";

    private final Pool pool;
    private final DataSource dataSource;
    private final ObjectMapper json;
    private final Instance<JobKind<?>> kinds;
    private final String schema;
    private final Duration pollingInterval;
    private final Duration heartbeat;
    private final int threads;
    private volatile Scheduler scheduler;

    public Jobs(Pool pool, DataSource dataSource, ObjectMapper json, @Any Instance<JobKind<?>> kinds,
                @ConfigProperty(name = "switchboard.jobs.schema") String schema,
                @ConfigProperty(name = "switchboard.jobs.polling-interval", defaultValue = "1s") Duration polling,
                @ConfigProperty(name = "switchboard.jobs.heartbeat", defaultValue = "5s") Duration heartbeat,
                @ConfigProperty(name = "switchboard.jobs.threads", defaultValue = "4") int threads) {
        if (!schema.matches("[a-z_]+")) {
            throw new IllegalArgumentException("switchboard.jobs.schema must be a plain schema name: " + schema);
        }
        this.pool = pool;
        this.dataSource = dataSource;
        this.json = json;
        this.kinds = kinds;
        this.schema = schema;
        this.pollingInterval = polling;
        this.heartbeat = heartbeat;
        this.threads = threads;
    }

    void start(@Observes @Priority(20) StartupEvent start) {
        Flyway flyway = Flyway.configure().dataSource(dataSource).schemas(schema).createSchemas(true)
                .locations("classpath:db/jobs").load();
        for (int attempt = 1; ; attempt++) {
            try {
                flyway.migrate();
                break;
            } catch (RuntimeException e) { // two replicas creating the schema at the same moment: the loser tries again
                if (attempt == 3) {
                    throw e;
                }
                LOG.infof("%s schema: migration attempt %d failed (%s); trying again", schema, attempt, e.getMessage());
            }
        }
        List<Task<?>> tasks = new ArrayList<>();
        kinds.forEach(kind -> tasks.add(task(kind)));
        scheduler = Scheduler.create(dataSource, tasks).tableName(schema + ".scheduled_tasks")
                .serializer(new JacksonSerializer(json))
                .schedulerName(new SchedulerName.Fixed(ManagementFactory.getRuntimeMXBean().getName()))
                .pollUsingLockAndFetch(0.5, 1.0).pollingInterval(pollingInterval)
                // a runner that misses four heartbeats is taken for dead: its jobs run again elsewhere
                .heartbeatInterval(heartbeat).missedHeartbeatsLimit(4)
                .threads(threads).shutdownMaxWait(Duration.ofSeconds(10)).build();
        scheduler.start();
        kinds.forEach(this::ensureRecurring);
    }

    /**
     * Queues the recurring kind's job for its next tick, unless it is queued (by this replica or another); one queued
     * for later (its ticks were changed to come sooner) is moved to that tick.
     */
    private <T> void ensureRecurring(JobKind<T> kind) {
        Cron ticks = kind.recurring();
        if (ticks == null) {
            return;
        }
        if (!kind.dataType().equals(Instant.class)) {
            throw new IllegalStateException("recurring job kind " + kind.name() + ": its data is its tick, an Instant");
        }
        Instant next = ticks.next(Instant.now());
        pool.withTransaction(tx -> put(tx, kind.name(), RECURRING, next, null, next, true))
                .await().atMost(Duration.ofSeconds(30));
    }

    void stop(@Observes ShutdownEvent stop) {
        if (scheduler != null) {
            scheduler.stop();
        }
    }

    /**
     * Queues a job of {@code kind} under {@code key} to run at {@code at}, in the transaction {@code tx} is part of:
     * it runs only if that commits. False when a job of that kind and key is queued already (it stays as it is).
     * {@code orgId}: whose job it is (null: the platform's own). Call {@link #wake()} after the commit for one due now.
     */
    public <T> Uni<Boolean> enqueue(SqlClient tx, JobKind<T> kind, String key, T data, UUID orgId, Instant at) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(data);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return tx.preparedQuery("insert into " + schema + ".scheduled_tasks (task_name, task_instance, task_data,"
                        + " execution_time, picked, version, org_id) values ($1, $2, $3, $4, false, 1, $5)"
                        + " on conflict do nothing")
                .execute(Tuple.of(kind.name(), key, Buffer.buffer(bytes), at.atOffset(ZoneOffset.UTC), orgId))
                .map(rows -> rows.rowCount() == 1);
    }

    /**
     * Queues the job of the kind named {@code kind} under {@code key} at {@code at}, or moves the one queued there to
     * {@code at} with this data (unless it is running), in the transaction {@code tx} is part of. For a job that
     * follows what it belongs to (a suite's next scheduled run, when the suite is edited).
     */
    public Uni<Void> put(SqlClient tx, String kind, String key, Object data, UUID orgId, Instant at) {
        return put(tx, kind, key, data, orgId, at, false);
    }

    /** As {@link #put}; {@code onlySooner}: a job queued already is moved only if it is due after {@code at}. */
    private Uni<Void> put(SqlClient tx, String kind, String key, Object data, UUID orgId, Instant at,
                          boolean onlySooner) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(data);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return tx.preparedQuery("insert into " + schema + ".scheduled_tasks as t (task_name, task_instance, task_data,"
                        + " execution_time, picked, version, org_id) values ($1, $2, $3, $4, false, 1, $5)"
                        + " on conflict (task_name, task_instance) do update set execution_time ="
                        + " excluded.execution_time, task_data = excluded.task_data where not t.picked"
                        + (onlySooner ? " and t.execution_time > excluded.execution_time" : ""))
                .execute(Tuple.of(kind, key, Buffer.buffer(bytes), at.atOffset(ZoneOffset.UTC), orgId))
                .replaceWithVoid();
    }

    /**
     * Takes the job of {@code kind} under {@code key} off the queue, in the transaction {@code tx} is part of; false
     * when there is none. One running now finishes, but is not run again.
     */
    public Uni<Boolean> remove(SqlClient tx, String kind, String key) {
        return tx.preparedQuery("delete from " + schema + ".scheduled_tasks where task_name = $1"
                        + " and task_instance = $2")
                .execute(Tuple.of(kind, key)).map(rows -> rows.rowCount() == 1);
    }

    /** Looks for due jobs now rather than at the next poll (after queuing one that is due). */
    public void wake() {
        Scheduler running = scheduler;
        if (running != null) {
            running.triggerCheckForDueExecutions();
        }
    }

    /** Whether a job of the kind may be cancelled by hand (a kind this service does not know may). */
    public boolean cancellable(String kind) {
        for (JobKind<?> k : kinds) {
            if (k.name().equals(kind)) {
                return k.cancellable();
            }
        }
        return true;
    }

    /** The schema the jobs tables are in ({@code scheduled_tasks}, {@code job_runs}). */
    public String schema() {
        return schema;
    }

    private <T> Task<T> task(JobKind<T> kind) {
        return Tasks.custom(kind.name(), kind.dataType())
                .onFailure((complete, operations) -> failed(kind, complete, operations))
                // a runner that died in a job: an attempt that failed, tried again as any other (not at once, forever)
                .onDeadExecution((complete, operations) -> failed(kind, complete, operations))
                .execute((instance, context) -> run(kind, instance, context));
    }

    private <T> CompletionHandler<T> run(JobKind<T> kind, TaskInstance<T> instance, ExecutionContext context) {
        Job<T> job = job(kind, instance, context.getExecution().executionTime,
                context.getExecution().consecutiveFailures + 1);
        JobResult<T> next = kind.run(job).await().atMost(kind.timeout());
        if (!next.deferred()) {
            record(job, "done", null);
        }
        return (complete, operations) -> proceed(complete, operations, next);
    }

    private <T> void failed(JobKind<T> kind, ExecutionComplete complete, ExecutionOperations<T> operations) {
        @SuppressWarnings("unchecked")
        TaskInstance<T> instance = complete.getExecution().taskInstance;
        Job<T> job = job(kind, instance, complete.getExecution().executionTime,
                complete.getExecution().consecutiveFailures + 1);
        String error = complete.getCause().map(Jobs::message)
                .orElse("its runner stopped answering (missed heartbeats)");
        if (job.attempt() < kind.maxAttempts()) {
            operations.reschedule(complete, complete.getTimeDone().plus(backoff(kind.firstRetry(), job.attempt())));
            update("set last_error = $3", job, error);
            return;
        }
        LOG.warnf("job %s %s failed %d times, the last time with: %s", job.kind(), job.key(), job.attempt(), error);
        JobResult<T> next = kind.afterLastAttempt(job);
        record(job, "discarded", error);
        proceed(complete, operations, next);
        if (next.nextAt() != null) { // a fresh job: its attempts count from one again
            update("set consecutive_failures = 0, last_error = $3", job, null);
        }
    }

    private static <T> void proceed(ExecutionComplete complete, ExecutionOperations<T> operations,
                                    JobResult<T> next) {
        if (next.nextAt() == null) {
            operations.remove();
        } else {
            operations.reschedule(complete, next.nextAt(), next.nextData());
        }
    }

    private static <T> Job<T> job(JobKind<T> kind, TaskInstance<T> instance, Instant due, int attempt) {
        return new Job<>(kind.name(), instance.getId(), instance.getData(), due, attempt);
    }

    /** {@code first} doubled for each attempt after the first, an hour at most, give or take a quarter. */
    static Duration backoff(Duration first, int attemptsMade) {
        long millis = first.toMillis() << Math.min(attemptsMade - 1, 20);
        millis = Math.min(millis, MAX_RETRY.toMillis());
        return Duration.ofMillis((long) (millis * ThreadLocalRandom.current().nextDouble(0.75, 1.25)));
    }

    /**
     * Keeps the end of a run in {@code job_runs}, with the job's org, and its data as queued when it failed (to be
     * retried by hand; a done job's is not kept); clears its last error.
     */
    private void record(Job<?> job, String status, String error) {
        pool.preparedQuery("with job as (update " + schema + ".scheduled_tasks set last_error = null"
                        + " where task_name = $1 and task_instance = $2 returning org_id, task_data)"
                        + " insert into " + schema + ".job_runs (task_name, task_instance, org_id, status, attempts,"
                        + " last_error, task_data, run_for) select $1, $2, org_id, $3, $4, $5,"
                        + " case when $3 = 'done' then null else task_data end, $6 from job")
                .execute(Tuple.from(Arrays.asList(job.kind(), job.key(), status, job.attempt(), error,
                        job.dueAt().atOffset(ZoneOffset.UTC))))
                .onFailure().invoke(e -> LOG.warnf("could not record the end of job %s %s: %s", job.kind(),
                        job.key(), e.getMessage()))
                .onFailure().recoverWithNull().await().atMost(Duration.ofSeconds(30));
    }

    private void update(String set, Job<?> job, String error) {
        pool.preparedQuery("update " + schema + ".scheduled_tasks " + set
                        + " where task_name = $1 and task_instance = $2")
                .execute(Tuple.of(job.kind(), job.key(), error))
                .onFailure().invoke(e -> LOG.warnf("could not note the failure of job %s %s: %s", job.kind(),
                        job.key(), e.getMessage()))
                .onFailure().recoverWithNull().await().atMost(Duration.ofSeconds(30));
    }

    private static String message(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.length() > 2000 ? message.substring(0, 2000) : message;
    }
}

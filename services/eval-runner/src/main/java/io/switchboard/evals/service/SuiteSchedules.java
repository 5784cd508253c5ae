package io.switchboard.evals.service;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.switchboard.evals.repository.EvalRepository;
import io.switchboard.evals.repository.EvalRepository.Suite;
import io.switchboard.jobs.Job;
import io.switchboard.jobs.JobKind;
import io.switchboard.jobs.JobResult;
import io.switchboard.jobs.Jobs;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Suites on a schedule, as jobs ({@code libs/jobs}): one per scheduled suite, queued with the suite when it is saved,
 * at its next run ({@code evals.suites.next_run_at}). Running it takes the tick (moves the suite to its next one in
 * the same transaction, so a tick is taken once), starts the run on the suite's version or else the published one,
 * compared with the previous completed run, and queues itself for the next tick. A tick whose run cannot start (too
 * many running) is skipped, and said so.
 */
@ApplicationScoped
public class SuiteSchedules implements JobKind<UUID> {
    private static final Logger LOG = Logger.getLogger(SuiteSchedules.class);

    private final EvalRepository repository;
    private final EvalService evals;
    private final Pool pool;
    private final Jobs jobs;

    public SuiteSchedules(EvalRepository repository, EvalService evals, Pool pool, Jobs jobs) {
        this.repository = repository;
        this.evals = evals;
        this.pool = pool;
        this.jobs = jobs;
    }

    @Override
    public String name() {
        return EvalRepository.SUITE_SCHEDULE;
    }

    @Override
    public Class<UUID> dataType() {
        return UUID.class;
    }

    /** A suite's scheduled runs follow the suite: edit its schedule rather than cancel them. */
    @Override
    public boolean cancellable() {
        return false;
    }

    /** Suites scheduled before their schedules were jobs (or whose job went missing) get theirs. */
    void queueMissing(@Observes @Priority(30) StartupEvent start) {
        pool.query("insert into " + jobs.schema() + ".scheduled_tasks (task_name, task_instance, task_data,"
                        + " execution_time, picked, version, org_id) select '" + name() + "', id::text,"
                        + " convert_to(to_json(id::text)::text, 'UTF8'), next_run_at, false, 1, org_id"
                        + " from evals.suites where next_run_at is not null on conflict do nothing").execute()
                .await().atMost(Duration.ofSeconds(30));
    }

    @Override
    public Uni<JobResult<UUID>> run(Job<UUID> job) {
        UUID id = job.data();
        return repository.takeDue(id, suite -> evals.spec(suite.document()).schedule().next(Instant.now()))
                .flatMap(due -> due == null ? notDue(id) : start(due));
    }

    private Uni<JobResult<UUID>> start(Suite suite) {
        return repository.lastCompleted(suite.id(), null)
                .flatMap(last -> evals.start(suite, evals.spec(suite.document()).version(), null,
                        last == null ? null : last.id(), "schedule"))
                .invoke(run -> LOG.infof("suite %s: scheduled run %s", suite.name(), run.id()))
                .replaceWithVoid()
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("suite %s: its scheduled run did not start: %s", suite.name(), e.getMessage());
                    return null;
                })
                .flatMap(x -> notDue(suite.id()));
    }

    /** The suite's next run: again then, or nothing when it is gone or has no schedule any more. */
    private Uni<JobResult<UUID>> notDue(UUID id) {
        return repository.suiteById(id).map(suite -> suite == null || suite.nextRunAt() == null ? JobResult.done()
                : JobResult.again(suite.nextRunAt(), id));
    }
}

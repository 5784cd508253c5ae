package io.switchboard.runtime.triggers;

import io.smallrye.mutiny.Uni;
import io.switchboard.jobs.Cron;
import io.switchboard.jobs.Job;
import io.switchboard.jobs.JobKind;
import io.switchboard.jobs.JobResult;
import io.switchboard.jobs.Jobs;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.repository.SessionRepository;
import io.switchboard.runtime.service.SessionService;
import io.switchboard.runtime.triggers.ScheduleRepository.Schedule;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Agents on a schedule. Each schedule is one job ({@value #NAME}, keyed by the schedule's id) queued for its next tick:
 * running it sends the agent the message as the turn of that tick, then queues the job again for the tick after. The
 * tick's session and turn ids are chosen from the tick, so a tick run twice (a replica that died in it) starts one
 * turn; one replica runs a job at a time, so each tick runs once across replicas. Ticks missed while no replica ran
 * are run late, one after another, back to {@code runtime.schedules.catch-up}; older ones are skipped.
 */
@ApplicationScoped
public class Schedules implements JobKind<Schedules.Tick> {
    public static final String NAME = "schedule";
    public static final List<String> SESSION_MODES = List.of("new", "reuse");
    private static final Logger LOG = Logger.getLogger(Schedules.class);

    /** The schedule's tick the job runs for. */
    public record Tick(UUID scheduleId, Instant at) {
    }

    private final Pool pool;
    private final ScheduleRepository store;
    private final Jobs jobs;
    private final SessionRepository sessions;
    private final SessionService turns;
    private final RuntimeConfig config;
    private final BackgroundTurns background;

    public Schedules(Pool pool, ScheduleRepository store, Jobs jobs, SessionRepository sessions, SessionService turns,
                     RuntimeConfig config, BackgroundTurns background) {
        this.background = background;
        this.pool = pool;
        this.store = store;
        this.jobs = jobs;
        this.sessions = sessions;
        this.turns = turns;
        this.config = config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Tick> dataType() {
        return Tick.class;
    }

    /** A schedule's tick is not cancelled by hand: the schedule is paused. */
    @Override
    public boolean cancellable() {
        return false;
    }

    /** Makes the schedule and queues its first tick, together. */
    public Uni<Schedule> create(UUID orgId, UUID agentId, Cron cron, String message, String sessionMode,
                                String createdBy) {
        Schedule schedule = new Schedule(UUID.randomUUID(), orgId, agentId, cron.expression(), cron.zone().getId(),
                message, sessionMode, sessionMode.equals("reuse") ? UUID.randomUUID() : null, false, createdBy,
                Instant.now());
        Instant first = cron.next(Instant.now());
        return pool.withTransaction(tx -> store.insert(tx, schedule)
                        .call(() -> jobs.enqueue(tx, this, key(schedule.id()), new Tick(schedule.id(), first), orgId,
                                first)))
                .replaceWith(schedule);
    }

    /** Pauses the schedule (its queued tick goes); false when the organization has no such running schedule. */
    public Uni<Boolean> pause(UUID orgId, UUID id) {
        return pool.withTransaction(tx -> store.setPaused(tx, orgId, id, true)
                .call(paused -> paused ? jobs.remove(tx, NAME, key(id)) : Uni.createFrom().voidItem()));
    }

    /** Resumes the schedule from its next tick on (the ones while it was paused are not run). */
    public Uni<Boolean> resume(UUID orgId, UUID id) {
        return store.find(orgId, id).flatMap(schedule -> {
            if (schedule == null) {
                return Uni.createFrom().item(false);
            }
            Instant next = cron(schedule).next(Instant.now());
            return pool.withTransaction(tx -> store.setPaused(tx, orgId, id, false)
                    .call(resumed -> resumed ? jobs.enqueue(tx, this, key(id), new Tick(id, next), orgId, next)
                            : Uni.createFrom().voidItem()));
        });
    }

    public Uni<Boolean> delete(UUID orgId, UUID id) {
        return pool.withTransaction(tx -> store.delete(tx, orgId, id)
                .call(deleted -> deleted ? jobs.remove(tx, NAME, key(id)) : Uni.createFrom().voidItem()));
    }

    /** The schedule's next ticks (none while it is paused). */
    public List<Instant> nextRuns(Schedule schedule, int n) {
        return schedule.paused() ? List.of() : cron(schedule).next(Instant.now(), n);
    }

    @Override
    public Uni<JobResult<Tick>> run(Job<Tick> job) {
        Tick tick = job.data();
        return store.find(tick.scheduleId()).flatMap(schedule -> {
            if (schedule == null || schedule.paused()) {
                return Uni.createFrom().item(JobResult.<Tick>done());
            }
            Cron cron = cron(schedule);
            Instant oldest = Instant.now().minus(config.schedules().catchUp());
            if (tick.at().isBefore(oldest)) {
                Instant next = cron.next(oldest);
                LOG.warnf("schedule %s: the ticks from %s until %s are older than the catch-up window: skipped",
                        schedule.id(), tick.at(), next);
                return Uni.createFrom().item(JobResult.again(next, new Tick(schedule.id(), next)));
            }
            UUID sessionId = schedule.sessionMode().equals("reuse") ? schedule.sessionId()
                    : derived(schedule.id(), tick.at(), "session");
            UUID turnId = derived(schedule.id(), tick.at(), "turn");
            Instant next = cron.next(tick.at());
            return background.claim(schedule.orgId(), schedule.agentId(), turnId).flatMap(room -> !room
                    ? Uni.createFrom().item(JobResult.deferred(BackgroundTurns.later(), tick))
                    : sessions.open(schedule.orgId(), sessionId, schedule.agentId(), null)
                    .invoke(opened -> {
                        if (!opened) {
                            throw new IllegalStateException("agent " + schedule.agentId() + " has no session "
                                    + sessionId);
                        }
                    })
                    .call(() -> store.ran(schedule.id(), tick.at(), sessionId, turnId))
                    .call(() -> turns.send(schedule.orgId(), sessionId, turnId, schedule.message()))
                    .replaceWith(next == null ? JobResult.<Tick>done() : JobResult.again(next,
                            new Tick(schedule.id(), next))));
        });
    }

    /** A tick that failed every attempt is skipped: the schedule goes on at the next one. */
    @Override
    public JobResult<Tick> afterLastAttempt(Job<Tick> job) {
        return store.find(job.data().scheduleId()).map(schedule -> {
            Instant next = schedule == null ? null : cron(schedule).next(job.data().at());
            return next == null ? JobResult.<Tick>done() : JobResult.again(next, new Tick(schedule.id(), next));
        }).await().atMost(java.time.Duration.ofSeconds(30));
    }

    private static Cron cron(Schedule schedule) {
        return Cron.parse(schedule.cron(), schedule.timezone());
    }

    private static String key(UUID scheduleId) {
        return scheduleId.toString();
    }

    /** An id that is the same whenever the tick runs. */
    private static UUID derived(UUID scheduleId, Instant tick, String what) {
        return UUID.nameUUIDFromBytes(("schedule " + scheduleId + " " + tick + " " + what)
                .getBytes(StandardCharsets.UTF_8));
    }
}

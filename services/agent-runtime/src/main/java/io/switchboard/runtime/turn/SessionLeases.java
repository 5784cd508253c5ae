package io.switchboard.runtime.turn;

import io.opentelemetry.context.Context;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.Drain;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.messaging.EventPublisher;
import io.switchboard.runtime.messaging.SessionEventHub;
import io.switchboard.runtime.repository.SessionRepository;
import io.switchboard.runtime.repository.Turn;
import io.switchboard.traces.SessionLogs;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * One runner per session across replicas: a runner takes the session's lease, runs its unfinished turns oldest first
 * ({@link TurnRunner}), renews the lease while it works and lets it go when none is left. A replica that dies stops
 * renewing; every replica's recovery sweep then finds the session and one of them takes it up. Work for a session
 * goes through its mailbox ({@link SessionMailboxes}), so one replica never runs a session twice at once.
 */
@ApplicationScoped
public class SessionLeases {
    private static final Logger LOG = Logger.getLogger(SessionLeases.class);
    /** How long an idle session's lease is kept for its next message before it is let go. */
    private static final Duration LET_GO_AFTER = Duration.ofMillis(50);

    private final SessionRepository sessions;
    private final TurnRunner runner;
    private final SessionMailboxes mailboxes;
    private final EventPublisher events;
    private final RuntimeConfig config;
    /** This runner's name in the session leases: one per process, so a restarted replica is a new runner. */
    private final String runnerId = UUID.randomUUID().toString();
    /** Sessions this runner holds the lease of (their leases are renewed while they are here). */
    private final Set<UUID> held = ConcurrentHashMap.newKeySet();
    /** Sessions whose turns this runner ended, to let go unless claimed again first: the seq each was left at. */
    private final Map<UUID, Long> idle = new ConcurrentHashMap<>();
    private final AtomicBoolean letGoScheduled = new AtomicBoolean();
    /** Sessions whose last turn's end this runner committed but could not publish: published before anything else. */
    private final Set<UUID> unpublished = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;
    private final Vertx vertx;

    public SessionLeases(SessionRepository sessions, TurnRunner runner, SessionMailboxes mailboxes,
                         EventPublisher events, RuntimeConfig config, Vertx vertx) {
        this.sessions = sessions;
        this.vertx = vertx;
        this.runner = runner;
        this.mailboxes = mailboxes;
        this.events = events;
        this.config = config;
    }

    /** Whether this replica is stopping: it begins no more turns. */
    public boolean stopping() {
        return stopping;
    }

    /**
     * Queues the session's unfinished turns for this replica: in the session's mailbox, it takes the lease and runs
     * them, unless another live runner holds the session (that one runs them). {@code parent} is the trace of the
     * command that brought {@code turnId} (null if none did); other turns run in traces of their own.
     */
    public void runTurns(UUID sessionId, UUID turnId, Context parent) {
        if (stopping) {
            return; // journaled: a replica that goes on finds the turn once this one has let go of the session
        }
        mailboxes.submit(sessionId.toString(), () -> drain(sessionId, turnId, parent, false));
    }

    /**
     * Journals a user message (a {@code UserMessage} command's) and runs its turn. When the session has no work here,
     * the journal entry also takes the lease and begins the turn, in one statement
     * ({@link SessionRepository#recordAndClaim}), and the turn runs in the session's mailbox; otherwise the message is
     * journaled and queued as {@link #runTurns} does. Completes once the message is journaled.
     */
    public Uni<SessionRepository.Recorded> recordAndRun(UUID sessionId, UUID turnId, String text, Context parent) {
        CompletableFuture<SessionRepository.Recorded> journaled = new CompletableFuture<>();
        boolean idleHere = !stopping && !unpublished.contains(sessionId) && mailboxes.submitIfIdle(sessionId.toString(),
                () -> stopping ? journalOnly(sessionId, turnId, text, journaled)
                        : settled(sessionId, sessions.recordAndClaim(sessionId, turnId, text, runnerId,
                                config.recovery().lease(), TurnRunner.SEQ_BLOCK)
                        .onFailure().invoke(journaled::completeExceptionally)
                        .invoke(recording -> journaled.complete(recording.recorded()))
                        .flatMap(recording -> recording.claimed() != null
                                ? run(sessionId, recording.claimed(), turnId, parent)
                                // pending behind another turn, or another live runner holds the session; or the lease
                                // was taken for a turn journaled at the same moment elsewhere: runs it or lets go
                                : recording.recorded() == SessionRepository.Recorded.NEW || recording.leased()
                                        ? runNext(sessionId, turnId, parent) : Uni.createFrom().voidItem())));
        if (!idleHere) {
            return sessions.recordUserMessage(sessionId, turnId, text, null).invoke(recorded -> {
                if (recorded == SessionRepository.Recorded.NEW) {
                    runTurns(sessionId, turnId, parent);
                }
            });
        }
        return Uni.createFrom().completionStage(journaled);
    }

    /** While stopping: the message is journaled for a replica that goes on, and no turn begins here. */
    private Uni<Void> journalOnly(UUID sessionId, UUID turnId, String text,
                                  CompletableFuture<SessionRepository.Recorded> journaled) {
        return sessions.recordUserMessage(sessionId, turnId, text, null)
                .invoke(journaled::complete).onFailure().invoke(journaled::completeExceptionally)
                .replaceWithVoid().onFailure().recoverWithNull();
    }

    /**
     * Runs the session's turns while this runner can take its lease. {@code recovering}: the session is taken from a
     * runner that died or never got to it; a runner that died right after committing a turn's end may not have
     * published it, so it is published again first (readers drop a repeat by seq).
     */
    private Uni<Void> drain(UUID sessionId, UUID turnId, Context parent, boolean recovering) {
        if (stopping) {
            return Uni.createFrom().voidItem(); // queued before the stop: a replica that goes on takes it up
        }
        // a turn's end this runner committed but could not publish is published first, whatever comes next
        boolean republish = recovering || unpublished.remove(sessionId);
        Uni<Boolean> ready = !republish ? Uni.createFrom().item(true)
                : sessions.claim(sessionId, runnerId, config.recovery().lease()).flatMap(fence -> {
                    if (fence == null) {
                        return Uni.createFrom().item(false);
                    }
                    held.add(sessionId);
                    return runner.republishLastEnd(sessionId).replaceWith(true);
                });
        return settled(sessionId, ready.flatMap(go -> go ? runNext(sessionId, turnId, parent)
                : Uni.createFrom().voidItem()).onFailure().invoke(e -> {
                    if (republish && !recovering) {
                        unpublished.add(sessionId);
                    }
                }));
    }

    /**
     * A session's work as its mailbox runs it: its lease stops being renewed at the end, and is let go on a failure.
     */
    private Uni<Void> settled(UUID sessionId, Uni<Void> work) {
        return work.onTermination().invoke(() -> held.remove(sessionId))
                // kept when an end is still to be published: its lease runs out, and the sweep publishes it
                .onFailure().call(() -> unpublished.contains(sessionId) ? Uni.createFrom().voidItem()
                        : sessions.release(sessionId, runnerId))
                .onFailure().invoke(e -> SessionLogs.log(sessionId.toString(), null,
                        () -> LOG.errorf(e, "could not run the turns of session %s", sessionId)))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /**
     * Takes the lease and begins the session's next turn (one statement), runs it, and goes on with the next one
     * while one can run. A turn waiting for operators holds up the ones after it: the session waits without a runner.
     */
    private Uni<Void> runNext(UUID sessionId, UUID turnId, Context parent) {
        if (stopping) {
            return Uni.createFrom().voidItem(); // the session is given back with the others
        }
        return sessions.claimNext(sessionId, runnerId, config.recovery().lease(), TurnRunner.SEQ_BLOCK)
                .flatMap(claimed -> claimed == null
                        ? Uni.createFrom().voidItem() // nothing to run, or another live runner runs it
                        : run(sessionId, claimed, turnId, parent));
    }

    /** Runs the turn this runner began, then goes on with the session as the run says. */
    private Uni<Void> run(UUID sessionId, SessionRepository.Claimed claimed, UUID turnId, Context parent) {
        held.add(sessionId);
        Context trace = claimed.turnId().equals(turnId) && parent != null ? parent : Context.root();
        return runner.run(sessionId, claimed, trace).flatMap(ran -> {
            if (ran.unpublished()) {
                // kept (its lease runs out unless this runner takes the session up again), and published again first
                unpublished.add(sessionId);
                return Uni.createFrom().voidItem();
            }
            if (ran.lost() || stopping) { // stopping: the session is let go with the others
                return Uni.createFrom().voidItem();
            }
            if (ran.idleAt() != null) {
                letGoSoon(sessionId, ran.idleAt());
                return Uni.createFrom().voidItem();
            }
            return runNext(sessionId, turnId, parent);
        });
    }

    /**
     * Lets the session go shortly, with others, unless this runner claims it again first: a conversation's next
     * message mostly comes within milliseconds, and then its lease is simply kept (one statement fewer per turn, and
     * one statement for many sessions when they do go idle). Only now: the turn's end is published.
     */
    private void letGoSoon(UUID sessionId, long idleAt) {
        idle.put(sessionId, idleAt);
        if (letGoScheduled.compareAndSet(false, true)) {
            vertx.setTimer(LET_GO_AFTER.toMillis(), timer -> letGoIdle());
        }
    }

    private void letGoIdle() {
        letGoScheduled.set(false);
        if (stopping) {
            return; // all of them go at once
        }
        Map<UUID, Long> batch = new HashMap<>();
        for (Map.Entry<UUID, Long> entry : idle.entrySet()) {
            if (idle.remove(entry.getKey(), entry.getValue())) {
                batch.put(entry.getKey(), entry.getValue());
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        sessions.letGo(runnerId, batch).subscribe().with(
                // turns recorded meanwhile where another replica left them to this runner: run them
                queued -> queued.forEach(id -> runTurns(id, null, null)),
                // the leases run out; the recovery sweep takes the sessions up
                e -> LOG.warnf("could not let go of %d sessions: %s", batch.size(), e.getMessage()));
    }

    /**
     * Renews the leases of the sessions this runner is working on (a replica that stops renewing loses them), and
     * stops their turns that were asked to stop on another replica.
     */
    @Scheduled(every = "${runtime.recovery.heartbeat:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class) // at shutdown the leases are given back
    Uni<Void> renewLeases() {
        return held.isEmpty() ? Uni.createFrom().voidItem()
                // only the sessions at work here: a lease left behind by a failed release runs out
                : sessions.renew(runnerId, config.recovery().lease(), List.copyOf(held))
                        .invoke(cancelled -> cancelled.forEach(turn -> runner.cancel(turn, "cancelled on request")))
                        .replaceWithVoid()
                        .onFailure().invoke(e -> LOG.warn("could not renew session leases", e))
                        .onFailure().recoverWithNull();
    }

    /**
     * Gives the sessions whose unfinished turns no live runner holds (their replica died, or it was stopped before it
     * got to them) to this replica's mailboxes. Every replica sweeps; the session lease lets one of them run each.
     */
    @Scheduled(every = "${runtime.recovery.sweep-interval:5s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class) // not while the pool closes at shutdown
    Uni<Void> adoptOrphans() {
        if (stopping || !eventsReady()) {
            return Uni.createFrom().voidItem(); // just started: turns resumed now could not tell anyone
        }
        return sessions.orphaned(100).invoke(orphans -> orphans.forEach(id -> mailboxes.submit(id.toString(),
                        () -> drain(id, null, null, true))))
                .replaceWithVoid()
                .onFailure().invoke(e -> LOG.warn("could not look for unfinished turns", e)).onFailure().recoverWithNull();
    }

    private boolean eventsReady() {
        try {
            return events.ready();
        } catch (RuntimeException notWiredYet) { // the publisher itself cannot be made before its channel is wired
            return false;
        }
    }

    /**
     * A clean stop begins (SIGTERM; readiness goes down, HTTP still serves): this replica begins no more turns
     * (messages that still reach it are journaled for a replica that goes on, whose sweep finds them), lets the turns
     * it runs, and any claim under way, go on to their end for up to {@code runtime.recovery.drain}, stops those
     * still running at their last committed step, and gives every session back at once, so another replica (or this
     * one, restarted) goes on with them without waiting for their leases to run out. Then the streams end
     * ({@link SessionEventHub}); after the shutdown delay, HTTP and the consumers close.
     */
    void stop(@Observes @Priority(100) ShutdownDelayInitiatedEvent event) {
        stopping = true;
        long started = System.nanoTime();
        try {
            if (busy()) {
                LOG.infof("stopping: letting %d turns run to their end (at most %s)", runner.running(),
                        config.recovery().drain());
            }
            long deadline = started + config.recovery().drain().toNanos();
            // in slices of a heartbeat, renewing the leases between them: a drain may outlast a lease
            while (!Drain.waitWhile(this::busy, Duration.ofNanos(Math.min(config.recovery().heartbeat().toNanos(),
                    Math.max(0, deadline - System.nanoTime()))))) {
                if (System.nanoTime() >= deadline || Thread.currentThread().isInterrupted()) {
                    break;
                }
                renewLeases().await().atMost(Duration.ofSeconds(5));
            }
            int left = runner.stopAll();
            if (left > 0) {
                LOG.warnf("stopping: %d turns still running after %s stop at their last committed step; another"
                        + " replica goes on with them", left, config.recovery().drain());
                Drain.waitWhile(this::busy, Duration.ofSeconds(2));
            }
        } catch (RuntimeException e) {
            LOG.warnf("stopping: the drain broke off (%s); the sessions are given back as they are", e.getMessage());
        } finally {
            try {
                // sessions with an end still to publish are kept: their leases run out, and the sweep publishes it
                sessions.releaseAll(runnerId, Set.copyOf(unpublished)).await().atMost(Duration.ofSeconds(5));
                LOG.infof("stopped in %d ms: every session given back", (System.nanoTime() - started) / 1_000_000);
            } catch (RuntimeException e) {
                LOG.warnf("stopping: sessions not given back (their leases run out): %s", e.getMessage());
            }
        }
    }

    /** Turns running here, or session work (a claim, a turn's end) still under way. */
    private boolean busy() {
        return runner.running() > 0 || mailboxes.active() > 0;
    }
}

package io.switchboard.api;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.switchboard.contracts.agent.AgentEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fans agent events out to a replica's event streams (agent-runtime's and admin-ui's SSE). Keeps each session's recent
 * events so a client that reconnects with {@code Last-Event-ID} gets what it missed: replay and live delivery happen
 * under one lock per session, so nothing falls between them and nothing comes twice. Clients are bounded: so many per
 * session and per replica, so many events buffered for one that reads slowly (past that it is cut off, and reconnects
 * where it was).
 */
public final class SessionStreams {
    /** Enough for a reconnect within a turn or two; older history comes from the session's API. */
    static final int REPLAY_EVENTS_PER_SESSION = 2048;
    /** A session nobody watches is forgotten this long after its last event. */
    static final long IDLE_NANOS = Duration.ofMinutes(2).toNanos();
    private static final int SWEEP_EVERY = 1024;

    /**
     * At most {@code perSession} clients of one session, {@code perReplica} in all, {@code buffered} events waiting for
     * each (at least a whole replay: a client that reconnects is sent that many at once).
     */
    public record Limits(int perSession, int perReplica, int buffered) {
        public Limits {
            if (buffered < REPLAY_EVENTS_PER_SESSION) {
                throw new IllegalArgumentException("a client's buffer must hold a replay of "
                        + REPLAY_EVENTS_PER_SESSION + " events");
            }
        }
    }

    private final Limits limits;
    private final Map<String, SessionChannel> sessions = new ConcurrentHashMap<>();
    private final AtomicLong received = new AtomicLong();
    private final AtomicInteger clients = new AtomicInteger();

    public SessionStreams(Limits limits) {
        this.limits = limits;
    }

    public void publish(AgentEvent event) {
        if (event == null) {
            return; // unreadable record: nothing to show
        }
        if (received.incrementAndGet() % SWEEP_EVERY == 0) {
            long now = System.nanoTime();
            sessions.values().removeIf(channel -> channel.idleSince(now));
        }
        sessions.computeIfAbsent(event.sessionId(), id -> new SessionChannel()).publish(event);
    }

    /**
     * An event this replica sent, given to its own clients without waiting for its copy from the topic (one broker
     * round trip less to their screens; the copy is then dropped as a repeat). Only when it is the next event the
     * session's channel expects: one that would skip an event the channel has not had yet (sent by another replica,
     * still on its way) is left to its copy, so none is overtaken and then dropped as a repeat.
     */
    public void publishSent(AgentEvent event) {
        SessionChannel channel = sessions.get(event.sessionId());
        if (channel != null) {
            channel.publishIfNext(event);
        }
    }

    /** Why a new client of the session would be turned away now, or null. */
    public String refusal(String sessionId) {
        if (clients.get() >= limits.perReplica()) {
            return "this replica serves " + limits.perReplica() + " event streams already; try again shortly";
        }
        SessionChannel channel = sessions.get(sessionId);
        if (channel != null && channel.clients.get() >= limits.perSession()) {
            return "session " + sessionId + " has " + limits.perSession() + " event streams open already";
        }
        return null;
    }

    /**
     * A client's stream: the session's events with a seq above {@code afterSeq}, then live ones, until it leaves.
     * Over a limit (see {@link #refusal}, asked first) it fails at once; reading too slowly, it fails later.
     */
    public Multi<AgentEvent> stream(String sessionId, long afterSeq) {
        return Multi.createFrom().<AgentEvent>emitter(emitter -> {
            SessionChannel channel = sessions.computeIfAbsent(sessionId, id -> new SessionChannel());
            if (clients.incrementAndGet() > limits.perReplica()
                    | channel.clients.incrementAndGet() > limits.perSession()) {
                clients.decrementAndGet();
                channel.clients.decrementAndGet();
                emitter.fail(new Problem(429, "Too Many Requests", refusal(sessionId)));
                return;
            }
            channel.subscribe(emitter, afterSeq);
            emitter.onTermination(() -> {
                channel.unsubscribe(emitter);
                channel.clients.decrementAndGet();
                clients.decrementAndGet();
            });
        }, BackPressureStrategy.ERROR).onOverflow().buffer(limits.buffered());
    }

    /**
     * Whether this replica holds the session's events from just after {@code afterSeq} on, so that a client that saw
     * that far can be given what it missed (false when the replica started, or forgot the session, after that).
     */
    public boolean canReplayAfter(String sessionId, long afterSeq) {
        SessionChannel channel = sessions.get(sessionId);
        return channel != null && channel.oldestSeq() <= afterSeq + 1;
    }

    /** The service's own wait for a session's events (a turn's end): not a client, not counted. */
    public Multi<AgentEvent> follow(String sessionId, long afterSeq) {
        return Multi.createFrom().<AgentEvent>emitter(emitter -> {
            SessionChannel channel = sessions.computeIfAbsent(sessionId, id -> new SessionChannel());
            channel.subscribe(emitter, afterSeq);
            emitter.onTermination(() -> channel.unsubscribe(emitter));
        }, BackPressureStrategy.BUFFER);
    }

    /** Clients served now. */
    public int clients() {
        return clients.get();
    }

    /**
     * One stream and how far it got: it is sent only events above that. A replica's copy of a session can be behind
     * a client that reconnects (a replica restarted, and the client got a snapshot up to the session's last event
     * from the database): the events the copy receives next must not reach that client again.
     */
    private static final class Subscriber {
        final MultiEmitter<? super AgentEvent> emitter;
        /** Guarded by the channel's lock. */
        private long sentSeq;

        Subscriber(MultiEmitter<? super AgentEvent> emitter, long afterSeq) {
            this.emitter = emitter;
            this.sentSeq = afterSeq;
        }

        void send(AgentEvent event) {
            if (event.seq() > sentSeq) {
                sentSeq = event.seq();
                emitter.emit(event);
            }
        }
    }

    private static final class SessionChannel {
        private final ArrayDeque<AgentEvent> recent = new ArrayDeque<>();
        private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
        private final AtomicInteger clients = new AtomicInteger();
        private long lastSeq = -1;
        private volatile long lastEventNanos = System.nanoTime();

        synchronized void publish(AgentEvent event) {
            if (event.seq() <= lastSeq) {
                return; // a redelivery
            }
            lastSeq = event.seq();
            lastEventNanos = System.nanoTime();
            recent.addLast(event);
            if (recent.size() > REPLAY_EVENTS_PER_SESSION) {
                recent.removeFirst();
            }
            for (Subscriber subscriber : subscribers) {
                subscriber.send(event);
            }
        }

        synchronized void publishIfNext(AgentEvent event) {
            if (event.seq() == lastSeq + 1) {
                publish(event);
            }
        }

        synchronized void subscribe(MultiEmitter<? super AgentEvent> emitter, long afterSeq) {
            Subscriber subscriber = new Subscriber(emitter, afterSeq);
            for (AgentEvent event : new ArrayList<>(recent)) {
                subscriber.send(event);
            }
            subscribers.add(subscriber);
        }

        /** The seq of the oldest event kept, or {@code Long.MAX_VALUE} when none is. */
        synchronized long oldestSeq() {
            return recent.isEmpty() ? Long.MAX_VALUE : recent.peekFirst().seq();
        }

        void unsubscribe(MultiEmitter<? super AgentEvent> emitter) {
            subscribers.removeIf(subscriber -> subscriber.emitter == emitter);
        }

        boolean idleSince(long now) {
            return subscribers.isEmpty() && now - lastEventNanos > IDLE_NANOS;
        }
    }
}

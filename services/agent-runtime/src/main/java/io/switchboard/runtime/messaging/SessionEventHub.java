package io.switchboard.runtime.messaging;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.switchboard.contracts.agent.AgentEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Fans {@code agent.events} out to the SSE streams of this replica. Keeps each session's recent events so a client
 * that reconnects with {@code Last-Event-ID} gets what it missed: replay and live delivery happen under one lock per
 * session, so nothing falls between them and nothing comes twice.
 */
@ApplicationScoped
public class SessionEventHub {
    /** Enough for a reconnect within a turn or two; older history comes from the session's API. */
    static final int REPLAY_EVENTS_PER_SESSION = 2048;
    /** A session nobody watches is forgotten this long after its last event. */
    static final long IDLE_NANOS = Duration.ofMinutes(2).toNanos();
    private static final int SWEEP_EVERY = 1024;

    private final Map<String, SessionChannel> sessions = new ConcurrentHashMap<>();
    private final AtomicLong received = new AtomicLong();

    @Incoming("agent-events-in")
    public void onEvent(AgentEvent event) {
        if (event == null) {
            return; // unreadable record: nothing to show
        }
        if (received.incrementAndGet() % SWEEP_EVERY == 0) {
            long now = System.nanoTime();
            sessions.values().removeIf(channel -> channel.idleSince(now));
        }
        sessions.computeIfAbsent(event.sessionId(), id -> new SessionChannel()).publish(event);
    }

    /** The session's events with a seq above {@code afterSeq}, then live ones, until the subscriber leaves. */
    public Multi<AgentEvent> stream(String sessionId, long afterSeq) {
        return Multi.createFrom().<AgentEvent>emitter(emitter -> {
            SessionChannel channel = sessions.computeIfAbsent(sessionId, id -> new SessionChannel());
            channel.subscribe(emitter, afterSeq);
            emitter.onTermination(() -> channel.unsubscribe(emitter));
        }, BackPressureStrategy.BUFFER);
    }

    private static final class SessionChannel {
        private final ArrayDeque<AgentEvent> recent = new ArrayDeque<>();
        private final List<MultiEmitter<? super AgentEvent>> subscribers = new CopyOnWriteArrayList<>();
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
            for (MultiEmitter<? super AgentEvent> subscriber : subscribers) {
                subscriber.emit(event);
            }
        }

        synchronized void subscribe(MultiEmitter<? super AgentEvent> emitter, long afterSeq) {
            for (AgentEvent event : new ArrayList<>(recent)) {
                if (event.seq() > afterSeq) {
                    emitter.emit(event);
                }
            }
            subscribers.add(emitter);
        }

        void unsubscribe(MultiEmitter<? super AgentEvent> emitter) {
            subscribers.remove(emitter);
        }

        boolean idleSince(long now) {
            return subscribers.isEmpty() && now - lastEventNanos > IDLE_NANOS;
        }
    }
}

package io.switchboard.runtime.messaging;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Multi;
import io.switchboard.api.SessionStreams;
import io.switchboard.api.StreamEnd;
import io.switchboard.contracts.agent.AgentEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * This replica's copy of {@code agent.events}, served to the event streams it answers (every replica reads every
 * event). {@link SessionStreams} does the fan-out, the replay after {@code Last-Event-ID} and the limits.
 */
@ApplicationScoped
public class SessionEventHub {
    private final SessionStreams streams;
    private final StreamEnd end = new StreamEnd();
    private final EventsListening listening;

    SessionEventHub(@Identifier(EventsListening.NAME) EventsListening listening,
                    @ConfigProperty(name = "switchboard.streams.per-session", defaultValue = "32") int perSession,
                    @ConfigProperty(name = "switchboard.streams.per-replica", defaultValue = "10000") int perReplica,
                    @ConfigProperty(name = "switchboard.streams.buffered-events", defaultValue = "4096") int buffered,
                    MeterRegistry meters) {
        this.listening = listening;
        this.streams = new SessionStreams(new SessionStreams.Limits(perSession, perReplica, buffered));
        Gauge.builder("switchboard.sse.clients", streams, SessionStreams::clients)
                .description("Event streams (SSE) this replica serves").register(meters);
    }

    @Incoming("agent-events-in")
    public void onEvent(ConsumerRecord<String, AgentEvent> record) {
        try {
            streams.publish(record.value());
        } finally {
            listening.read(record.partition(), record.offset());
        }
    }

    /** An event this replica sent: to its own clients at once when nothing is on its way before it. */
    void sent(AgentEvent event) {
        streams.publishSent(event);
    }

    /** Why a new client of the session would be turned away now (429), or null. */
    public String refusal(String sessionId) {
        return streams.refusal(sessionId);
    }

    /** Whether this replica can give a client that saw up to {@code afterSeq} what it missed. */
    public boolean canReplayAfter(String sessionId, long afterSeq) {
        return streams.canReplayAfter(sessionId, afterSeq);
    }

    /** A client's stream of the session's events after {@code afterSeq}, then live ones. */
    public Multi<AgentEvent> stream(String sessionId, long afterSeq) {
        return streams.stream(sessionId, afterSeq);
    }

    /** This service's own wait for the session's events (a turn's end): not a client, not limited. */
    public Multi<AgentEvent> follow(String sessionId, long afterSeq) {
        return streams.follow(sessionId, afterSeq);
    }

    /** A client's whole stream, ended with {@code last} when this replica stops. */
    public <T> Multi<T> untilStop(Multi<T> stream, Supplier<T> last) {
        return end.until(stream, last);
    }

    /**
     * A clean stop ends the clients' streams once the turns running here have ended or stopped (see
     * {@code SessionLeases}): their last events are out, and clients reconnect with {@code Last-Event-ID} elsewhere.
     */
    void stop(@Observes @Priority(200) ShutdownDelayInitiatedEvent event) {
        end.end();
    }
}

package io.switchboard.runtime.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.switchboard.contracts.agent.AgentEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * Publishes to {@code agent.events}, keyed by session id so a session's events stay in order, and gives each event to
 * this replica's own streams as it is sent ({@link SessionEventHub#sent}): its clients need not wait for the topic.
 */
@ApplicationScoped
public class EventPublisher {
    static final String CHANNEL = "agent-events";

    private final MutinyEmitter<AgentEvent> emitter;
    private final SessionEventHub hub;

    public EventPublisher(@Channel(CHANNEL) @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 16384)
                          MutinyEmitter<AgentEvent> emitter, SessionEventHub hub) {
        this.emitter = emitter;
        this.hub = hub;
    }

    /**
     * Sends without waiting for the broker: for token deltas, where the producer keeps the order. This replica's
     * clients have the event at once (so one whose send then fails is seen here only: a token, or what the journal
     * holds anyway).
     */
    public void fireAndForget(AgentEvent event) {
        emitter.sendMessageAndForget(keyed(event));
        hub.sent(event);
    }

    /**
     * Sends (when subscribed) and completes when the broker has the event; this replica's clients have it then, or
     * from the topic if that comes first.
     */
    public Uni<Void> publish(AgentEvent event) {
        return emitter.sendMessage(keyed(event)).invoke(() -> hub.sent(event));
    }

    /**
     * Sends an event that tells what is committed (a turn's end, an approval asked for), retrying for a while if the
     * broker does not take it: its watchers wait for it. (Redeliveries are harmless: readers dedupe on seq.)
     */
    public Uni<Void> publishCommitted(AgentEvent event) {
        return publish(event).onFailure().retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5))
                .atMost(12);
    }

    /** Whether the channel is connected to Kafka yet (it is not in the first moments after start-up). */
    public boolean ready() {
        try {
            return emitter.hasRequests();
        } catch (RuntimeException notWiredYet) { // SmallRye: "Unable to connect an emitter with the channel"
            return false;
        }
    }

    private static Message<AgentEvent> keyed(AgentEvent event) {
        return Message.of(event).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(event.sessionId()).build());
    }
}

package io.switchboard.runtime.messaging;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once this replica reads {@code agent.events}: its consumer (a group of its own, from the latest offset) holds
 * its partitions and knows where it starts in each. An event sent before that never reaches this replica, so a client
 * that reconnected here then could miss it (see {@code SessionResource#stream}).
 */
@Readiness
@ApplicationScoped
@Identifier(EventsListening.NAME)
public class EventsListening implements KafkaConsumerRebalanceListener, HealthCheck {
    static final String NAME = "agent-events-in";
    private volatile boolean listening;

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        // a partition without a committed offset gets its position at the next fetch: take it now, so that every
        // event sent from now on is read
        partitions.forEach(consumer::position);
        listening = true;
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        listening = false; // a rebalance: the positions start again from the latest offset
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        listening = false;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("agent events").status(listening).build();
    }
}

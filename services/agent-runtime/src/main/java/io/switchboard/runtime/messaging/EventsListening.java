package io.switchboard.runtime.messaging;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Ready once this replica reads {@code agent.events}: its consumer (a group of its own, from the latest offset) holds
 * its partitions and knows where it starts in each. An event sent before that never reaches this replica, so a client
 * that reconnected here then could miss it (see {@code SessionResource#stream}). A rebalance (the consumer left the
 * group and joined again) goes on from where it was, not from the latest offset, so nothing falls between.
 */
@Readiness
@ApplicationScoped
@Identifier(EventsListening.NAME)
public class EventsListening implements KafkaConsumerRebalanceListener, HealthCheck {
    static final String NAME = "agent-events-in";
    private static final Logger LOG = Logger.getLogger(EventsListening.class);

    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private volatile boolean listening;

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            Long was = positions.remove(partition);
            try {
                if (was != null) {
                    consumer.seek(partition, was);
                } else {
                    // without a committed offset, the position is taken at the next fetch: take it now, so that every
                    // event sent from now on is read
                    consumer.position(partition);
                }
            } catch (RuntimeException e) { // a slow broker: the next fetch takes the position (moments later)
                LOG.warnf("could not take the position of %s at once: %s", partition, e.getMessage());
            }
        }
        listening = !partitions.isEmpty();
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        keepPositions(consumer, partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        keepPositions(consumer, partitions);
    }

    private void keepPositions(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        listening = false;
        for (TopicPartition partition : partitions) {
            try {
                positions.put(partition, consumer.position(partition));
            } catch (RuntimeException e) { // no position (yet, or any more): the next assignment starts from the end
                LOG.warnf("could not keep the position of %s: %s", partition, e.getMessage());
            }
        }
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("agent events").status(listening).build();
    }
}

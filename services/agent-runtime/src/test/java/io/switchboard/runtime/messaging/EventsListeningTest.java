package io.switchboard.runtime.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** The replica's readiness follows its agent.events consumer's assignment, and a rebalance loses no position. */
class EventsListeningTest {
    private static final TopicPartition P0 = new TopicPartition("agent.events", 0);
    private static final TopicPartition P1 = new TopicPartition("agent.events", 1);

    @Test
    void readyOnlyWhileItHoldsPartitionsAndTheirPositions() {
        EventsListening listening = new EventsListening();
        MockConsumer<String, String> consumer = consumer();
        assertThat(status(listening)).isEqualTo(HealthCheckResponse.Status.DOWN);

        listening.onPartitionsAssigned(consumer, List.of());
        assertThat(status(listening)).as("no partitions: it reads nothing").isEqualTo(HealthCheckResponse.Status.DOWN);

        consumer.assign(List.of(P0, P1));
        listening.onPartitionsAssigned(consumer, List.of(P0, P1));
        assertThat(status(listening)).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(consumer.position(P0)).as("taken from the end at once").isEqualTo(40);

        listening.onPartitionsRevoked(consumer, List.of(P0, P1));
        assertThat(status(listening)).isEqualTo(HealthCheckResponse.Status.DOWN);
    }

    @Test
    void aRebalanceGoesOnFromWhereItWasNotFromTheEnd() {
        EventsListening listening = new EventsListening();
        MockConsumer<String, String> consumer = consumer();
        consumer.assign(List.of(P0, P1));
        listening.onPartitionsAssigned(consumer, List.of(P0, P1));
        consumer.seek(P0, 12); // read up to here when the consumer left the group
        consumer.seek(P1, 7);

        listening.onPartitionsLost(consumer, List.of(P0, P1));
        consumer.unsubscribe(); // events went on meanwhile; a new assignment would start from the latest offset
        consumer.assign(List.of(P0, P1));
        listening.onPartitionsAssigned(consumer, List.of(P0, P1));

        assertThat(consumer.position(P0)).isEqualTo(12);
        assertThat(consumer.position(P1)).isEqualTo(7);
        assertThat(status(listening)).isEqualTo(HealthCheckResponse.Status.UP);
    }

    private static MockConsumer<String, String> consumer() {
        MockConsumer<String, String> consumer = new MockConsumer<>("latest");
        consumer.updateEndOffsets(Map.of(P0, 40L, P1, 30L));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        return consumer;
    }

    private static HealthCheckResponse.Status status(EventsListening listening) {
        return listening.call().getStatus();
    }
}

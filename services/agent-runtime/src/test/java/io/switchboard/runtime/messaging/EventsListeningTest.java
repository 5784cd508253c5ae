package io.switchboard.runtime.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/**
 * The replica's copy of agent.events starts a minute back, it is ready once it has read up to where the topic ended,
 * and a rebalance loses no position.
 */
class EventsListeningTest {
    private static final TopicPartition P0 = new TopicPartition("agent.events", 0);
    private static final TopicPartition P1 = new TopicPartition("agent.events", 1);

    @Test
    void startsAMinuteBackAndIsReadyOnceItReadUpToTheEnd() {
        EventsListening listening = new EventsListening(Duration.ofSeconds(60));
        MockConsumer<String, String> consumer = consumer();
        assertThat(status(listening)).isEqualTo(HealthCheckResponse.Status.DOWN);

        listening.onPartitionsAssigned(consumer, List.of());
        assertThat(status(listening)).as("no partitions: it reads nothing").isEqualTo(HealthCheckResponse.Status.DOWN);

        // P0 had records in the last minute from offset 31 on; P1 none
        consumer.assign(List.of(P0, P1));
        listening.onPartitionsAssigned(consumer, List.of(P0, P1));
        assertThat(consumer.position(P0)).as("a minute back").isEqualTo(31);
        assertThat(consumer.position(P1)).as("nothing in the last minute: the end").isEqualTo(30);
        assertThat(status(listening)).as("not read up to the end yet").isEqualTo(HealthCheckResponse.Status.DOWN);

        listening.read(0, 38);
        assertThat(status(listening)).isEqualTo(HealthCheckResponse.Status.DOWN);
        listening.read(1, 30); // another partition's record
        assertThat(status(listening)).isEqualTo(HealthCheckResponse.Status.DOWN);
        listening.read(0, 39); // the last record before the end (40)
        assertThat(status(listening)).isEqualTo(HealthCheckResponse.Status.UP);

        listening.onPartitionsRevoked(consumer, List.of(P0, P1));
        assertThat(status(listening)).isEqualTo(HealthCheckResponse.Status.DOWN);
    }

    @Test
    void aRebalanceGoesOnAfterTheLastRecordReadNotFromTheStartNorFromWhatWasFetched() {
        EventsListening listening = new EventsListening(Duration.ofSeconds(60));
        MockConsumer<String, String> consumer = consumer();
        consumer.assign(List.of(P0, P1));
        listening.onPartitionsAssigned(consumer, List.of(P0, P1));
        listening.read(0, 35); // read up to here when the consumer left the group
        consumer.seek(P0, 39); // fetched up to here: those records are dropped with the partition
        consumer.seek(P1, 33); // nothing of P1 read since it started (at its end, 30)

        listening.onPartitionsLost(consumer, List.of(P0, P1));
        consumer.unsubscribe(); // events went on meanwhile
        consumer.assign(List.of(P0, P1));
        listening.onPartitionsAssigned(consumer, List.of(P0, P1));

        assertThat(consumer.position(P0)).isEqualTo(36);
        assertThat(consumer.position(P1)).isEqualTo(30);
        assertThat(status(listening)).as("P0 not read up to where it ended (40) yet")
                .isEqualTo(HealthCheckResponse.Status.DOWN);
        listening.read(0, 39);
        assertThat(status(listening)).isEqualTo(HealthCheckResponse.Status.UP);
    }

    private static MockConsumer<String, String> consumer() {
        MockConsumer<String, String> consumer = new MockConsumer<>("latest") {
            @Override
            public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(
                    Map<TopicPartition, Long> timestamps, Duration timeout) {
                assertThat(timestamps.values()).allSatisfy(t -> assertThat(t)
                        .isBetween(System.currentTimeMillis() - 61_000, System.currentTimeMillis() - 59_000));
                return timestamps.containsKey(P0) ? Map.of(P0, new OffsetAndTimestamp(31, 0)) : Map.of();
            }
        };
        consumer.updateEndOffsets(Map.of(P0, 40L, P1, 30L));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        return consumer;
    }

    private static HealthCheckResponse.Status status(EventsListening listening) {
        return listening.call().getStatus();
    }
}

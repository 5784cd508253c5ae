package io.switchboard.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The throttled strategy's question about a partition's committed offset (asked when the partition's first record
 * comes, and answered on the polling thread) is answered from what was read when the partition was assigned; and
 * every assigned partition's position is known by then.
 */
class ThrottledCommitReadAheadTest {
    private static final TopicPartition P0 = new TopicPartition("agent.commands", 0);
    private static final TopicPartition P1 = new TopicPartition("agent.commands", 1);
    private static final TopicPartition P2 = new TopicPartition("agent.commands", 2);

    @Test
    void aPartitionsCommittedOffsetIsReadAtAssignmentAndGivenOnce() {
        List<TopicPartition> positioned = new ArrayList<>();
        MockConsumer<String, String> kafka = new MockConsumer<>("earliest") {
            @Override
            public synchronized long position(TopicPartition partition, Duration timeout) {
                positioned.add(partition);
                return super.position(partition, timeout);
            }
        };
        kafka.assign(List.of(P0, P1, P2));
        kafka.updateBeginningOffsets(Map.of(P0, 0L, P1, 3L, P2, 0L));
        kafka.commitSync(Map.of(P0, new OffsetAndMetadata(42)));
        List<TopicPartition> askedOfThePollingThread = new ArrayList<>();
        ThrottledCommitReadAhead.ReadAhead readAhead = new ThrottledCommitReadAhead.ReadAhead(
                smallRyeConsumer(kafka, askedOfThePollingThread));

        readAhead.read(List.of(P0, P1));
        // each position known before the consumer's first fetch: one still looked up would be left out of it
        assertThat(positioned).containsExactly(P0, P1);
        kafka.commitSync(Map.of(P0, new OffsetAndMetadata(50), P1, new OffsetAndMetadata(7))); // not read again

        KafkaConsumer<?, ?> answering = readAhead.answering();
        assertThat(committed(answering, P0)).isEqualTo(42);
        assertThat(committed(answering, P1)).as("nothing committed when assigned").isNull();
        assertThat(askedOfThePollingThread).isEmpty();

        // asked again (the strategy forgot the partition), or never read ahead: asked of the consumer, as without this
        assertThat(committed(answering, P0)).isEqualTo(50);
        assertThat(committed(answering, P2)).isNull();
        assertThat(askedOfThePollingThread).containsExactly(P0, P2);

        readAhead.read(List.of(P1));
        readAhead.forget(List.of(P1)); // revoked before its first record
        assertThat(committed(answering, P1)).isEqualTo(7);
        assertThat(askedOfThePollingThread).containsExactly(P0, P2, P1);
    }

    @Test
    void aPositionNotFoundInTimeLeavesTheCommittedOffsetsReadAhead() {
        MockConsumer<String, String> kafka = new MockConsumer<>("earliest") {
            @Override
            public synchronized long position(TopicPartition partition, Duration timeout) {
                throw new TimeoutException("no answer");
            }
        };
        kafka.assign(List.of(P0));
        kafka.commitSync(Map.of(P0, new OffsetAndMetadata(42)));
        List<TopicPartition> askedOfThePollingThread = new ArrayList<>();
        ThrottledCommitReadAhead.ReadAhead readAhead = new ThrottledCommitReadAhead.ReadAhead(
                smallRyeConsumer(kafka, askedOfThePollingThread));

        readAhead.read(List.of(P0)); // logged, not thrown: the rebalance goes on

        assertThat(committed(readAhead.answering(), P0)).isEqualTo(42);
        assertThat(askedOfThePollingThread).isEmpty();
    }

    private static Long committed(KafkaConsumer<?, ?> consumer, TopicPartition partition) {
        OffsetAndMetadata offset = consumer.committed(partition).await().atMost(Duration.ofSeconds(1)).get(partition);
        return offset == null ? null : offset.offset();
    }

    /** SmallRye's consumer over {@code kafka}: {@code committed} is what would run on the polling thread. */
    @SuppressWarnings("unchecked")
    private static KafkaConsumer<String, String> smallRyeConsumer(MockConsumer<String, String> kafka,
                                                                  List<TopicPartition> asked) {
        return (KafkaConsumer<String, String>) Proxy.newProxyInstance(KafkaConsumer.class.getClassLoader(),
                new Class<?>[] {KafkaConsumer.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "unwrap" -> kafka;
                    case "committed" -> {
                        TopicPartition partition = ((TopicPartition[]) args[0])[0];
                        asked.add(partition);
                        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                        offsets.put(partition, kafka.committed(Set.of(partition)).get(partition));
                        yield Uni.createFrom().item(offsets);
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}

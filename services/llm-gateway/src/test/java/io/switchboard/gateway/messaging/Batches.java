package io.switchboard.gateway.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecord;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.commit.KafkaCommitHandler;
import io.smallrye.reactive.messaging.kafka.fault.KafkaFailureHandler;
import io.switchboard.contracts.Topics;
import io.switchboard.contracts.llm.LlmRequest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * Polls of {@code llm.requests} as SmallRye hands them to {@link LlmRequestConsumer#serve}: one partition's. Each test
 * takes a partition of its own ({@link #partition}), beyond those of the topic, as the consumer keeps the records it
 * took by partition: its offsets then meet neither another test's nor the application's own reader's.
 */
final class Batches {
    private static final AtomicInteger PARTITIONS = new AtomicInteger(1_000);

    private Batches() {
    }

    /** A partition no other test and no broker has. */
    static int partition() {
        return PARTITIONS.incrementAndGet();
    }

    /**
     * The requests at offsets from {@code firstOffset} of {@code partition}, written at {@code writtenAt} (epoch
     * milliseconds, the records' timestamp), acked through {@code commits}; a nack fails the test.
     */
    static KafkaRecordBatch<String, LlmRequest> of(int partition, List<LlmRequest> requests, long firstOffset,
                                                   long writtenAt, KafkaCommitHandler commits) {
        TopicPartition topicPartition = new TopicPartition(Topics.LLM_REQUESTS, partition);
        List<ConsumerRecord<String, LlmRequest>> records = IntStream.range(0, requests.size())
                .mapToObj(i -> new ConsumerRecord<>(Topics.LLM_REQUESTS, partition, firstOffset + i, writtenAt,
                        TimestampType.CREATE_TIME, -1, -1, requests.get(i).requestId(), requests.get(i),
                        new RecordHeaders(), Optional.<Integer>empty())).toList();
        KafkaFailureHandler refusing = new KafkaFailureHandler() {
            @Override
            public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record, Throwable reason, Metadata metadata) {
                return Uni.createFrom().failure(new AssertionError("nacked: " + reason));
            }
        };
        return new IncomingKafkaRecordBatch<>(new ConsumerRecords<>(Map.of(topicPartition, records)),
                LlmRequestConsumer.CHANNEL, 0, commits, refusing, false, false);
    }

    /** A commit handler that takes every ack. */
    static KafkaCommitHandler accepting() {
        return new KafkaCommitHandler() {
            @Override
            public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record) {
                return Uni.createFrom().voidItem();
            }
        };
    }
}

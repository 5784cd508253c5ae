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
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/** Polls of {@code llm.requests} as SmallRye hands them to {@link LlmRequestConsumer#serve}: one partition's. */
final class Batches {
    private Batches() {
    }

    /** The requests at offsets from {@code firstOffset}, acked through {@code commits}; a nack fails the test. */
    static KafkaRecordBatch<String, LlmRequest> of(List<LlmRequest> requests, long firstOffset,
                                                   KafkaCommitHandler commits) {
        TopicPartition partition = new TopicPartition(Topics.LLM_REQUESTS, 0);
        List<ConsumerRecord<String, LlmRequest>> records = IntStream.range(0, requests.size())
                .mapToObj(i -> new ConsumerRecord<>(Topics.LLM_REQUESTS, 0, firstOffset + i,
                        requests.get(i).requestId(), requests.get(i))).toList();
        KafkaFailureHandler refusing = new KafkaFailureHandler() {
            @Override
            public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record, Throwable reason, Metadata metadata) {
                return Uni.createFrom().failure(new AssertionError("nacked: " + reason));
            }
        };
        return new IncomingKafkaRecordBatch<>(new ConsumerRecords<>(Map.of(partition, records)),
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

package io.switchboard.gateway.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.commit.KafkaCommitHandler;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/**
 * A clean stop: every request of a batch taken before it is answered to its end, even one still waiting for a stream
 * slot when it began, and the stop waits for them; a batch polled after it began is left in Kafka for the partition's
 * next owner (not acked, not answered: served, it would meet the ledger closing and fail its turn). Batches are made
 * here as SmallRye makes them from a poll. (A profile of its own: the stop pauses this application's consumer for
 * good.)
 */
@QuarkusTest
@TestProfile(StoppingGatewayTest.Stopping.class)
class StoppingGatewayTest {

    public static class Stopping implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.calls.drain", "30s");
        }
    }

    @Inject
    LlmRequestConsumer consumer;

    @Inject
    Event<ShutdownDelayInitiatedEvent> shutdown;

    private final int partition = Batches.partition();
    private final AtomicInteger commits = new AtomicInteger();
    private long offset;

    @Test
    void aBatchTakenBeforeTheStopIsAnsweredInFullAndOnePolledAfterItIsLeftInKafka() throws Exception {
        UnicastProcessor<KafkaRecordBatch<String, LlmRequest>> polls = UnicastProcessor.create();
        AssertSubscriber<Message<LlmChunk>> replies = consumer.serve(polls)
                .subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));

        // one request more than there are stream slots: the last one waits for a slot while the stop begins
        List<LlmRequest> taken = slowRequests(LlmRequestConsumer.MAX_CONCURRENT_STREAMS + 1);
        polls.onNext(batch(taken));
        assertThat(commits).as("the batch acked as it is taken").hasValue(1);

        CompletableFuture<Void> stopped = CompletableFuture.runAsync(
                () -> shutdown.fire(new ShutdownDelayInitiatedEvent()));
        stopped.get(60, TimeUnit.SECONDS);
        Set<String> unfinished = ids(taken);
        unfinished.removeAll(finished(replies));
        assertThat(unfinished).as("requests taken and not answered to their end when the stop returned").isEmpty();

        List<LlmRequest> late = slowRequests(3);
        polls.onNext(batch(late));
        polls.onComplete();
        replies.awaitCompletion(Duration.ofSeconds(10));
        assertThat(commits).as("acks after the stop began").hasValue(1);
        assertThat(replies.getItems().stream().map(m -> m.getPayload().requestId()))
                .as("answers to the batch polled after the stop began").doesNotContainAnyElementsOf(ids(late));
    }

    private static Set<String> finished(AssertSubscriber<Message<LlmChunk>> replies) {
        return replies.getItems().stream().map(Message::getPayload).filter(c -> c instanceof LlmChunk.Finished)
                .map(LlmChunk::requestId).collect(Collectors.toSet());
    }

    private static Set<String> ids(List<LlmRequest> requests) {
        return requests.stream().map(LlmRequest::requestId).collect(Collectors.toCollection(HashSet::new));
    }

    /** Replies ten times slower than the sim's pace, so the first ones still stream when the stop begins. */
    private static List<LlmRequest> slowRequests(int n) {
        return IntStream.range(0, n).mapToObj(i -> LlmRequest.of(UUID.randomUUID().toString(), "session-1",
                "turn-1", "sim", List.of(ChatMessage.user("[slow] hello")), List.of())).toList();
    }

    /** The requests as one poll of one partition, acked through a commit handler that counts. */
    private KafkaRecordBatch<String, LlmRequest> batch(List<LlmRequest> requests) {
        KafkaCommitHandler counting = new KafkaCommitHandler() {
            @Override
            public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record) {
                commits.incrementAndGet();
                return Uni.createFrom().voidItem();
            }
        };
        KafkaRecordBatch<String, LlmRequest> batch = Batches.of(partition, requests, offset,
                System.currentTimeMillis(), counting);
        offset += requests.size();
        return batch;
    }
}

package io.switchboard.gateway.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/**
 * A call taken while every stream slot is busy hears keep-alives while it waits, as one whose model is silent does,
 * so that its requester does not take the wait for a lost reply (15 s of silence) and ask again; then it streams.
 * (A profile of its own: sim slow enough that the first calls hold their slots for about 15 s.)
 */
@QuarkusTest
@TestProfile(WaitingForAStreamSlotTest.SlowSim.class)
class WaitingForAStreamSlotTest {

    public static class SlowSim implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.sim.token-interval", "50ms", "gateway.calls.drain", "1s");
        }
    }

    @Inject
    LlmRequestConsumer consumer;

    @Test
    void aCallWaitingForAStreamSlotHearsKeepAlivesThenStreamsInOrder() {
        UnicastProcessor<KafkaRecordBatch<String, LlmRequest>> polls = UnicastProcessor.create();
        AssertSubscriber<Message<LlmChunk>> replies = consumer.serve(polls)
                .subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        List<LlmRequest> requests = IntStream.rangeClosed(0, LlmRequestConsumer.MAX_CONCURRENT_STREAMS)
                .mapToObj(i -> LlmRequest.of(UUID.randomUUID().toString(), "session-1", "turn-1", "sim",
                        List.of(ChatMessage.user("[slow] hello")), List.of())).toList();
        String last = requests.get(requests.size() - 1).requestId();

        polls.onNext(Batches.of(Batches.partition(), requests, 0, System.currentTimeMillis(), Batches.accepting()));

        await().atMost(Duration.ofSeconds(10)).until(() -> !chunksOf(replies, last).isEmpty());
        assertThat(chunksOf(replies, last).get(0)).as("while every slot is busy")
                .isInstanceOf(LlmChunk.KeepAlive.class);
        await().atMost(Duration.ofSeconds(90)).until(() -> chunksOf(replies, last).stream()
                .anyMatch(LlmChunk::last));
        List<LlmChunk> chunks = chunksOf(replies, last);
        assertThat(chunks).extracting(LlmChunk::seq).as("numbered in order across the wait")
                .isEqualTo(IntStream.range(0, chunks.size()).boxed().toList());
        assertThat(chunks.get(chunks.size() - 1)).isInstanceOf(LlmChunk.Finished.class);
        assertThat(chunks).anyMatch(chunk -> chunk instanceof LlmChunk.TextDelta);
        polls.onComplete();
    }

    private static List<LlmChunk> chunksOf(AssertSubscriber<Message<LlmChunk>> replies, String requestId) {
        return replies.getItems().stream().map(Message::getPayload).filter(c -> c.requestId().equals(requestId))
                .toList();
    }
}

package io.switchboard.gateway.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
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
import java.util.UUID;
import java.util.stream.IntStream;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/**
 * A request read again (this replica's partitions taken back in a rebalance before its offset was committed, as after
 * a broker hang) is not answered twice, while it is still answered or after: its provider would be called and billed
 * twice, and the requester, reading both replies from this replica under one request id, took them for one reply with
 * chunks missing. The same request id sent again in another record (its first send's acknowledgement lost) is still
 * answered: its requester waits on that record's reply. So is a record at an offset taken before but written later
 * (the topic made again). (WaitingForAStreamSlotTest's profile, so Quarkus is not started again.)
 */
@QuarkusTest
@TestProfile(WaitingForAStreamSlotTest.SlowSim.class)
class ReadAgainTest {
    private static final long OFFSET = 1_000;

    private final int partition = Batches.partition();

    @Inject
    LlmRequestConsumer consumer;

    @Test
    void aRecordReadAgainIsNotAnsweredTwiceButTheSameIdInAnotherRecordIs() {
        UnicastProcessor<KafkaRecordBatch<String, LlmRequest>> polls = UnicastProcessor.create();
        AssertSubscriber<Message<LlmChunk>> replies = consumer.serve(polls)
                .subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        LlmRequest readAgain = request();
        LlmRequest sentTwice = request();
        long written = System.currentTimeMillis();

        polls.onNext(Batches.of(partition, List.of(readAgain, sentTwice), OFFSET, written, Batches.accepting()));
        await().atMost(Duration.ofSeconds(10)).until(() -> !chunksOf(replies, readAgain).isEmpty()
                && !chunksOf(replies, sentTwice).isEmpty());
        // the same record, after a rebalance, while it is answered; the same id in another record
        polls.onNext(Batches.of(partition, List.of(readAgain), OFFSET, written, Batches.accepting()));
        polls.onNext(Batches.of(partition, List.of(sentTwice), OFFSET + 2, written, Batches.accepting()));
        await().atMost(Duration.ofSeconds(90))
                .until(() -> ends(replies, readAgain) >= 1 && ends(replies, sentTwice) == 2);

        List<LlmChunk> once = chunksOf(replies, readAgain);
        assertThat(once).extracting(LlmChunk::seq).as("one reply, numbered in order")
                .isEqualTo(IntStream.range(0, once.size()).boxed().toList());
        assertThat(ends(replies, readAgain)).isEqualTo(1);
        assertThat(chunksOf(replies, sentTwice)).filteredOn(chunk -> chunk.seq() == 0).hasSize(2);

        // read again once answered: still not answered; beside it, a record at an offset taken before but written
        // later than any record taken (the topic made again) is new, and answered
        LlmRequest madeAgain = request();
        long later = written + 1;
        polls.onNext(Batches.of(partition, List.of(readAgain), OFFSET, written, Batches.accepting()));
        polls.onNext(Batches.of(partition, List.of(madeAgain), OFFSET - 500, later, Batches.accepting()));
        await().atMost(Duration.ofSeconds(90)).until(() -> ends(replies, madeAgain) == 1);
        assertThat(chunksOf(replies, readAgain)).as("the record read again once answered").isEqualTo(once);
        polls.onComplete();
    }

    private static LlmRequest request() {
        return LlmRequest.of(UUID.randomUUID().toString(), "session-1", "turn-1", "sim",
                List.of(ChatMessage.user("[slow] hello")), List.of()); // about 15 s: answered still when read again
    }

    private static long ends(AssertSubscriber<Message<LlmChunk>> replies, LlmRequest request) {
        return chunksOf(replies, request).stream().filter(LlmChunk::last).count();
    }

    private static List<LlmChunk> chunksOf(AssertSubscriber<Message<LlmChunk>> replies, LlmRequest request) {
        return replies.getItems().stream().map(Message::getPayload)
                .filter(chunk -> chunk.requestId().equals(request.requestId())).toList();
    }
}

package io.switchboard.evals.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.reply.CorrelationId;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReplyTimeoutException;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmCancel;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.messaging.RepliesListening;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/**
 * A judge's call to the gateway: what it asks of Kafka when the reply goes silent, when Kafka does not take the
 * request, and when its case gives up on it. The request-reply channel is SmallRye's as seen from here: a request goes
 * out, and its replies (or the send's failure, or the reply's timeout) come back on its stream.
 */
class GatewayClientTest {
    /** The requests sent to the channel, in order, each with its stream of replies. */
    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final List<String> cancelled = new CopyOnWriteArrayList<>();
    private final GatewayClient gateway = new GatewayClient(requests(), cancels(), listening(),
            Duration.ofSeconds(30));

    private record Sent(LlmRequest request, MultiEmitter<? super Message<LlmChunk>> replies) {
    }

    @Test
    void aSilentReplyIsCancelledAndAskedAgainUnderANewId() {
        UniAssertSubscriber<GatewayClient.Answer> answer = call("judge-1");
        sent.get(0).replies().emit(Message.of(new LlmChunk.KeepAlive("judge-1", 0)));
        sent.get(0).replies().fail(new KafkaRequestReplyTimeoutException(correlationId()));

        assertThat(sent).extracting(s -> s.request().requestId()).containsExactly("judge-1", "judge-1/again");
        assertThat(cancelled).containsExactly("judge-1"); // else the gateway runs it to its end, and bills it
        sent.get(1).replies().emit(Message.of(new LlmChunk.TextDelta("judge-1/again", 0, "score: 5")));
        sent.get(1).replies().emit(Message.of(new LlmChunk.Finished("judge-1/again", 1, "stop")));

        assertThat(answer.awaitItem().getItem().text()).isEqualTo("score: 5");
        assertThat(cancelled).containsExactly("judge-1"); // an answered call is not cancelled
    }

    @Test
    void aRequestKafkaDidNotTakeIsSentAgainUnderItsIdAndNotCancelled() {
        UniAssertSubscriber<GatewayClient.Answer> answer = call("judge-2");
        // the producer's delivery timeout ran out: the broker is away
        sent.get(0).replies().fail(new TimeoutException("Expiring 1 record(s) for llm.requests-0"));

        answer.assertNotTerminated();
        await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() == 2);
        assertThat(sent.get(1).request().requestId()).isEqualTo("judge-2");
        sent.get(1).replies().emit(Message.of(new LlmChunk.TextDelta("judge-2", 0, "ok")));
        sent.get(1).replies().emit(Message.of(new LlmChunk.Finished("judge-2", 1, "stop")));

        assertThat(answer.awaitItem().getItem().text()).isEqualTo("ok");
        assertThat(cancelled).isEmpty(); // a cancel would stop the same id sent again, should both have been written
    }

    @Test
    void aSendThatFailsAfterTheReplyBeganIsAskedAgainAsALostReply() {
        UniAssertSubscriber<GatewayClient.Answer> answer = call("judge-5");
        sent.get(0).replies().emit(Message.of(new LlmChunk.TextDelta("judge-5", 0, "sco")));
        sent.get(0).replies().fail(new TimeoutException("Expiring 1 record(s) for llm.requests-0"));

        assertThat(sent).extracting(s -> s.request().requestId()).containsExactly("judge-5", "judge-5/again");
        assertThat(cancelled).containsExactly("judge-5");
        sent.get(1).replies().emit(Message.of(new LlmChunk.TextDelta("judge-5/again", 0, "score: 4")));
        sent.get(1).replies().emit(Message.of(new LlmChunk.Finished("judge-5/again", 1, "stop")));
        assertThat(answer.awaitItem().getItem().text()).isEqualTo("score: 4");
    }

    @Test
    void aCallItsCaseGivesUpOnIsCancelled() {
        UniAssertSubscriber<GatewayClient.Answer> answer = call("judge-3");
        sent.get(0).replies().emit(Message.of(new LlmChunk.TextDelta("judge-3", 0, "thinking")));

        answer.cancel();

        assertThat(cancelled).containsExactly("judge-3");
    }

    @Test
    void aCallTheGatewayEndedIsNotCancelled() {
        UniAssertSubscriber<GatewayClient.Answer> answer = call("judge-4");
        sent.get(0).replies().emit(Message.of(new LlmChunk.Failed("judge-4", 0, "unknown_model", "no such model",
                false)));

        answer.awaitFailure().assertFailedWith(GatewayClient.Failed.class, "unknown_model");
        assertThat(cancelled).isEmpty();
    }

    private UniAssertSubscriber<GatewayClient.Answer> call(String id) {
        return gateway.complete(LlmRequest.of(id, "session", "turn", "sim", List.of(ChatMessage.user("grade this")),
                List.of())).subscribe().withSubscriber(UniAssertSubscriber.create());
    }

    @SuppressWarnings("unchecked")
    private KafkaRequestReply<LlmRequest, LlmChunk> requests() {
        return (KafkaRequestReply<LlmRequest, LlmChunk>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {KafkaRequestReply.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("requestMulti")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    Message<LlmRequest> message = (Message<LlmRequest>) args[0];
                    return Multi.createFrom().<Message<LlmChunk>>emitter(replies ->
                            sent.add(new Sent(message.getPayload(), replies)));
                });
    }

    @SuppressWarnings("unchecked")
    private MutinyEmitter<LlmCancel> cancels() {
        return (MutinyEmitter<LlmCancel>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {MutinyEmitter.class}, (proxy, method, args) -> {
                    if (method.getName().equals("sendMessageAndForget")) {
                        cancelled.add(((Message<LlmCancel>) args[0]).getPayload().requestId());
                        return null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /** A reply reader that holds its partitions. */
    private static RepliesListening listening() {
        RepliesListening listening = new RepliesListening();
        Consumer<?, ?> consumer = (Consumer<?, ?>) Proxy.newProxyInstance(GatewayClientTest.class.getClassLoader(),
                new Class<?>[] {Consumer.class}, (proxy, method, args) -> 0L); // position(): the end is at 0
        listening.onPartitionsAssigned(consumer, List.of(new TopicPartition("llm.replies.evals", 0)));
        return listening;
    }

    private static CorrelationId correlationId() {
        return new CorrelationId() {
            @Override
            public byte[] toBytes() {
                return new byte[] {1};
            }

            @Override
            public int hashCode() {
                return 1;
            }

            @Override
            public boolean equals(Object other) {
                return other == this;
            }
        };
    }
}

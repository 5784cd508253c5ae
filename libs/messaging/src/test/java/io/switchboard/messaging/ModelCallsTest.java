package io.switchboard.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmCancel;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/** The model-call client against a request-reply channel that holds its requests as Kafka's sink does. */
class ModelCallsTest {
    /** The requests sent to the channel, waiting for Kafka to confirm (ack) or refuse (nack) them. */
    private final List<Message<LlmRequest>> inFlight = new ArrayList<>();
    private final ModelCalls calls = new ModelCalls(requests(), cancels(), listening(), Duration.ofSeconds(15));

    /**
     * Model calls waiting for Kafka (the broker away) beyond what the channel holds are {@link ModelCalls.NotSent},
     * which their turns send again every second, not a failure that ends the turn (SmallRye's emitter overflowing past
     * the Kafka sink's 1,024 records in flight, which the turn took for the gateway being unavailable).
     */
    @Test
    void aCallBeyondWhatTheChannelHoldsIsNotSentAndOneKafkaTakesMakesRoom() {
        List<AssertSubscriber<LlmChunk>> waiting = new ArrayList<>();
        for (int i = 0; i < KafkaBacklog.MAX; i++) {
            waiting.add(call());
        }
        assertThat(inFlight).hasSize(KafkaBacklog.MAX);
        waiting.forEach(AssertSubscriber::assertNotTerminated);

        call().assertFailedWith(ModelCalls.NotSent.class);
        assertThat(inFlight).hasSize(KafkaBacklog.MAX); // never reached the channel

        inFlight.get(0).ack(); // Kafka took one
        call().assertNotTerminated();
        assertThat(inFlight).hasSize(KafkaBacklog.MAX + 1);
        call().assertFailedWith(ModelCalls.NotSent.class);

        inFlight.get(1).nack(new IllegalStateException("expired")); // Kafka gave one up
        call().assertNotTerminated();
    }

    /**
     * A reply's silence counts from when Kafka took the request: one that waited for Kafka (the broker away) still has
     * the whole silence to be answered in, and one silent that long after is lost (and asked again by its turn).
     */
    @Test
    void aReplyIsSilentOnlyOnceKafkaHasTakenItsRequest() throws Exception {
        ModelCalls silentAfterASecond = new ModelCalls(requests(), cancels(), listening(), Duration.ofSeconds(1));
        String id = UUID.randomUUID().toString();
        AssertSubscriber<LlmChunk> reply = silentAfterASecond.stream(LlmRequest.of(id, id, id, "sim",
                List.of(ChatMessage.user("hello")), List.of()))
                .subscribe().withSubscriber(AssertSubscriber.create(10));
        Thread.sleep(2_000);
        reply.assertNotTerminated();

        inFlight.get(0).ack();
        reply.awaitFailure(Duration.ofSeconds(10)).assertFailedWith(ModelCalls.ReplyLost.class, "for 1 s");
    }

    private AssertSubscriber<LlmChunk> call() {
        String id = UUID.randomUUID().toString();
        return calls.stream(LlmRequest.of(id, id, id, "sim", List.of(ChatMessage.user("hello")), List.of()))
                .subscribe().withSubscriber(AssertSubscriber.create(10));
    }

    /**
     * The request-reply channel as SmallRye's holds a request while its Kafka sink waits for the broker: no reply
     * comes, and the request fails when Kafka refuses it.
     */
    @SuppressWarnings("unchecked")
    private KafkaRequestReply<LlmRequest, LlmChunk> requests() {
        return (KafkaRequestReply<LlmRequest, LlmChunk>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {KafkaRequestReply.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("requestMulti")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    Message<LlmRequest> message = (Message<LlmRequest>) args[0];
                    return Multi.createFrom().<Message<LlmChunk>>emitter(replies -> inFlight.add(message
                            .withNack(failure -> {
                                replies.fail(failure);
                                return message.nack(failure);
                            })));
                });
    }

    @SuppressWarnings("unchecked")
    private static MutinyEmitter<LlmCancel> cancels() {
        return (MutinyEmitter<LlmCancel>) Proxy.newProxyInstance(ModelCallsTest.class.getClassLoader(),
                new Class<?>[] {MutinyEmitter.class}, (proxy, method, args) -> null);
    }

    /** A reply reader that holds its partitions. */
    private static RepliesListening listening() {
        RepliesListening listening = new RepliesListening();
        Consumer<?, ?> consumer = (Consumer<?, ?>) Proxy.newProxyInstance(ModelCallsTest.class.getClassLoader(),
                new Class<?>[] {Consumer.class}, (proxy, method, args) -> 0L); // position(): the end is at 0
        listening.onPartitionsAssigned(consumer, List.of(new TopicPartition("llm.replies", 0)));
        return listening;
    }
}

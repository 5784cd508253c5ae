package io.switchboard.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

class ReplySilenceTest {
    private static final Duration SILENCE = Duration.ofSeconds(1);

    private final AtomicReference<Message<String>> sent = new AtomicReference<>();
    private final UnicastProcessor<String> replies = UnicastProcessor.create();
    private final AtomicBoolean requestAcked = new AtomicBoolean();
    private final AtomicInteger silencesTold = new AtomicInteger();

    @Test
    void aRequestKafkaHasNotTakenYetIsNotSilent() throws Exception {
        AssertSubscriber<String> reply = watch();
        Thread.sleep(SILENCE.multipliedBy(2).toMillis()); // the producer still holds the request: nothing to hear yet
        reply.assertNotTerminated();

        sent.get().ack().toCompletableFuture().join(); // Kafka takes it
        assertThat(requestAcked).as("the request's own ack ran").isTrue();
        reply.awaitFailure(Duration.ofSeconds(5)).assertFailedWith(IllegalStateException.class, "silent");
    }

    @Test
    void eachReplyItemPushesTheSilenceBack() throws Exception {
        Duration silence = Duration.ofSeconds(3); // room for a stalled sleep on busy cores
        AssertSubscriber<String> reply = watch(silence);
        sent.get().ack();
        for (int i = 0; i < 6; i++) { // longer than the silence in all, an item every quarter of it
            Thread.sleep(silence.dividedBy(4).toMillis());
            replies.onNext("chunk " + i);
        }
        reply.assertNotTerminated().assertItems("chunk 0", "chunk 1", "chunk 2", "chunk 3", "chunk 4", "chunk 5");
        reply.awaitFailure(Duration.ofSeconds(5)).assertFailedWith(IllegalStateException.class, "silent");
    }

    @Test
    void anEndedReplyEndsItsWatchAndACancelledOneCancelsItsRequest() throws Exception {
        AssertSubscriber<String> ended = watch();
        sent.get().ack();
        replies.onNext("last");
        replies.onComplete();
        ended.awaitCompletion().assertItems("last");
        Thread.sleep(SILENCE.multipliedBy(3).dividedBy(2).toMillis());
        assertThat(silencesTold).as("the watch ended with the reply").hasValue(0);

        AtomicBoolean cancelled = new AtomicBoolean();
        AssertSubscriber<Object> given = ReplySilence.watch(Message.of("again"),
                        request -> Multi.createFrom().nothing().onCancellation().invoke(() -> cancelled.set(true)),
                        SILENCE, () -> new IllegalStateException("silent"))
                .subscribe().withSubscriber(AssertSubscriber.create(10));
        given.cancel();
        assertThat(cancelled).isTrue();
    }

    private AssertSubscriber<String> watch() {
        return watch(SILENCE);
    }

    private AssertSubscriber<String> watch(Duration silence) {
        Message<String> request = Message.of("a call", () -> {
            requestAcked.set(true);
            return CompletableFuture.completedFuture(null);
        });
        return ReplySilence.watch(request, message -> {
                    sent.set(message);
                    return replies;
                }, silence, () -> {
                    silencesTold.incrementAndGet();
                    return new IllegalStateException("silent");
                })
                .subscribe().withSubscriber(AssertSubscriber.create(100));
    }
}

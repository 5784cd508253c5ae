package io.switchboard.gateway.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.switchboard.gateway.provider.ProviderEvent;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeepAliveTest {
    private static final Duration EVERY = Duration.ofMillis(100);

    @Test
    void aSilentModelIsCoveredByKeepAlivesAndTheStreamEndsWithItsEvents() {
        // silent for five intervals, then an answer
        Multi<ProviderEvent> slow = Uni.createFrom().item((ProviderEvent) new ProviderEvent.TextDelta("late"))
                .onItem().delayIt().by(EVERY.multipliedBy(5)).toMulti()
                .onCompletion().continueWith(new ProviderEvent.Finish("stop"));
        List<ProviderEvent> events = LlmRequestConsumer.withKeepAlive(slow, EVERY)
                .subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE))
                .awaitCompletion(Duration.ofSeconds(5)).getItems();

        long keepAlives = events.stream().filter(e -> e instanceof ProviderEvent.KeepAlive).count();
        // one per interval of silence at most (a stalled machine may skip some, never add any)
        assertThat(keepAlives).as("keep-alives while the model was silent").isBetween(1L, 5L);
        assertThat(events.subList((int) keepAlives, events.size()))
                .containsExactly(new ProviderEvent.TextDelta("late"), new ProviderEvent.Finish("stop"));
    }

    @Test
    void aModelThatKeepsTalkingNeedsNoKeepAlive() {
        Multi<ProviderEvent> chatty = Multi.createFrom().ticks().every(Duration.ofMillis(10)).select().first(20)
                .map(i -> (ProviderEvent) new ProviderEvent.TextDelta("t" + i));
        // a second of silence would be needed; the model speaks every 10 ms
        List<ProviderEvent> events = LlmRequestConsumer.withKeepAlive(chatty, Duration.ofSeconds(1))
                .subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE))
                .awaitCompletion(Duration.ofSeconds(5)).getItems();
        assertThat(events).hasSize(20).noneMatch(e -> e instanceof ProviderEvent.KeepAlive);
    }

    @Test
    void aFailureStillEndsTheStream() {
        Multi<ProviderEvent> broken = Multi.createFrom().failure(new IllegalStateException("upstream broke"));
        LlmRequestConsumer.withKeepAlive(broken, EVERY)
                .subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE))
                .awaitFailure(Duration.ofSeconds(5)).assertFailedWith(IllegalStateException.class, "upstream broke");
    }
}

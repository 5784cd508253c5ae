package io.switchboard.gateway.messaging;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.switchboard.gateway.provider.ProviderEvent;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A reply's events wait for Kafka's demand: with none (the sink behind, as after the broker hung), the text joined
 * every 2 ms is held, not the stream broken by Mutiny's timed grouping ("Cannot emit item due to lack of requests"),
 * and the text that comes meanwhile goes out joined when Kafka asks again.
 */
class CoalescedTest {

    @Test
    void textWaitsForDemandJoinedInsteadOfBreakingTheStream() throws Exception {
        AtomicReference<MultiEmitter<? super ProviderEvent>> model = new AtomicReference<>();
        AssertSubscriber<ProviderEvent> kafka = LlmRequestConsumer.coalesced(Multi.createFrom()
                .<ProviderEvent>emitter(model::set)).subscribe().withSubscriber(AssertSubscriber.create(1));
        long waitOut = LlmRequestConsumer.COALESCE.toMillis() * 25; // the grouping's time is up, many times over
        model.get().emit(new ProviderEvent.TextDelta("Hello"));
        Thread.sleep(waitOut);
        kafka.assertItems(new ProviderEvent.TextDelta("Hello")); // Kafka asked for one, and takes no more for now

        for (String token : List.of(" there", " my", " dear", " friend")) {
            model.get().emit(new ProviderEvent.TextDelta(token));
            Thread.sleep(waitOut);
        }
        kafka.assertNotTerminated();

        model.get().emit(new ProviderEvent.Finish("stop")).complete();
        kafka.request(10).awaitCompletion(Duration.ofSeconds(5)).assertItems(new ProviderEvent.TextDelta("Hello"),
                new ProviderEvent.TextDelta(" there my dear friend"), new ProviderEvent.Finish("stop"));
    }

    @Test
    void aFailureComesAfterTheTextBeforeIt() throws Exception {
        AtomicReference<MultiEmitter<? super ProviderEvent>> model = new AtomicReference<>();
        AssertSubscriber<ProviderEvent> kafka = LlmRequestConsumer.coalesced(Multi.createFrom()
                .<ProviderEvent>emitter(model::set)).subscribe().withSubscriber(AssertSubscriber.create(1));
        long waitOut = LlmRequestConsumer.COALESCE.toMillis() * 25;
        model.get().emit(new ProviderEvent.TextDelta("Hel"));
        Thread.sleep(waitOut);
        // text that waits for Kafka, then text still in the grouping's 2 ms when the model fails
        model.get().emit(new ProviderEvent.TextDelta("lo"));
        Thread.sleep(waitOut);
        model.get().emit(new ProviderEvent.TextDelta(" there")).fail(new IllegalStateException("cut"));
        kafka.request(10).awaitFailure(Duration.ofSeconds(5)).assertItems(new ProviderEvent.TextDelta("Hel"),
                new ProviderEvent.TextDelta("lo there"));
    }
}

package io.switchboard.gateway.messaging;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.switchboard.gateway.provider.ProviderEvent;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A reply's events wait for Kafka's demand: with none (the sink behind, as after the broker hung), the text joined
 * every 2 ms is held, not the stream broken by Mutiny's timed grouping ("Cannot emit item due to lack of requests").
 */
class CoalescedTest {

    @Test
    void eventsWaitForDemandInsteadOfBreakingTheStream() throws Exception {
        AtomicReference<MultiEmitter<? super ProviderEvent>> model = new AtomicReference<>();
        AssertSubscriber<ProviderEvent> kafka = LlmRequestConsumer.coalesced(Multi.createFrom()
                .<ProviderEvent>emitter(model::set)).subscribe().withSubscriber(AssertSubscriber.create(1));
        long waitOut = LlmRequestConsumer.COALESCE.toMillis() * 25; // the grouping's time is up, many times over
        model.get().emit(new ProviderEvent.TextDelta("Hello"));
        Thread.sleep(waitOut);
        kafka.assertItems(new ProviderEvent.TextDelta("Hello")); // Kafka asked for one, and takes no more for now

        model.get().emit(new ProviderEvent.TextDelta(" there"));
        Thread.sleep(waitOut);
        kafka.assertNotTerminated();

        model.get().emit(new ProviderEvent.Finish("stop")).complete();
        kafka.request(10).awaitCompletion(Duration.ofSeconds(5)).assertItems(new ProviderEvent.TextDelta("Hello"),
                new ProviderEvent.TextDelta(" there"), new ProviderEvent.Finish("stop"));
    }
}

package io.switchboard.gateway.provider.sim;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.provider.ChatProvider;
import io.switchboard.gateway.provider.ProviderEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The built-in offline model: plays {@link SimScript} at the configured pace, without network or key. */
public class SimProvider implements ChatProvider {
    private final Duration interval;

    public SimProvider(Duration interval) {
        this.interval = interval;
    }

    @Override
    public String name() {
        return "sim";
    }

    /** Offline embeddings: {@link SimScript#embedding}, the same vector for the same text every time. */
    @Override
    public Multi<ProviderEvent> embed(EmbeddingRequest request) {
        int dimensions = request.dimensions() == null ? SimScript.EMBEDDING_DIMENSIONS : request.dimensions();
        List<float[]> vectors = new ArrayList<>();
        int tokens = 0;
        for (String input : request.inputs()) {
            vectors.add(SimScript.embedding(input, dimensions));
            tokens += SimScript.tokens(input).size();
        }
        return ChatProvider.embedded(request, vectors, tokens);
    }

    @Override
    public Multi<ProviderEvent> stream(LlmRequest request) {
        return Multi.createFrom().deferred(() -> {
            SimScript.Reply reply = SimScript.reply(request);
            Multi<ProviderEvent> events = Multi.createFrom().iterable(reply.events());
            Duration pace = SimScript.slow(request) ? interval.multipliedBy(10) : interval;
            if (!pace.isZero()) {
                // a timer per event, not a sleeping thread: thousands of paced streams cost no threads
                events = events.onItem().call(event -> Uni.createFrom().voidItem().onItem().delayIt().by(pace));
            }
            return reply.failure() == null ? events
                    : events.onCompletion().switchTo(() -> Multi.createFrom().failure(reply.failure()));
        });
    }
}

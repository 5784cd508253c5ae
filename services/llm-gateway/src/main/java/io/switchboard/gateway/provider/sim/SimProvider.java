package io.switchboard.gateway.provider.sim;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.config.GatewayConfig;
import io.switchboard.gateway.provider.ChatProvider;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/** The built-in offline model: plays {@link SimScript} at the configured pace, without network or key. */
@ApplicationScoped
public class SimProvider implements ChatProvider {
    private final Duration interval;

    public SimProvider(GatewayConfig config) {
        this.interval = config.sim().tokenInterval();
    }

    @Override
    public String name() {
        return "sim";
    }

    @Override
    public Multi<LlmChunk> stream(LlmRequest request) {
        Multi<LlmChunk> chunks = Multi.createFrom().iterable(SimScript.reply(request));
        if (interval.isZero()) {
            return chunks;
        }
        // a timer per chunk, not a sleeping thread: thousands of paced streams cost no threads
        return chunks.onItem().call(chunk -> Uni.createFrom().voidItem().onItem().delayIt().by(interval));
    }
}

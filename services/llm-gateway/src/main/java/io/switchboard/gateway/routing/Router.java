package io.switchboard.gateway.routing;

import io.smallrye.mutiny.Multi;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.provider.ChatProvider;
import io.switchboard.gateway.provider.sim.SimProvider;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Picks the provider for a request's model. For now one provider: {@code sim} (also {@code sim/<anything>}).
 * Unknown models get a terminal {@code unknown_model} chunk, not an exception.
 */
@ApplicationScoped
public class Router {
    private final SimProvider sim;

    public Router(SimProvider sim) {
        this.sim = sim;
    }

    /** The provider serving {@code model}, or null. */
    public ChatProvider providerFor(String model) {
        if (model != null && (model.equals("sim") || model.startsWith("sim/"))) {
            return sim;
        }
        return null;
    }

    public Multi<LlmChunk> stream(LlmRequest request) {
        ChatProvider provider = providerFor(request.model());
        if (provider == null) {
            return Multi.createFrom().item(new LlmChunk.Failed(request.requestId(), 0, "unknown_model",
                    "no deployment serves model '" + request.model() + "'", false));
        }
        return provider.stream(request);
    }
}

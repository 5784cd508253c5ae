package io.switchboard.gateway.routing;

import io.switchboard.gateway.provider.ChatProvider;
import io.switchboard.gateway.provider.Upstream;
import io.switchboard.gateway.provider.anthropic.AnthropicProvider;
import io.switchboard.gateway.provider.ollama.OllamaProvider;
import io.switchboard.gateway.provider.openai.OpenAiProvider;

/** The adapter for a deployment's {@code provider}. */
public final class ProviderAdapters {
    private ProviderAdapters() {
    }

    public static ChatProvider adapter(Deployment deployment, Upstream upstream) {
        switch (deployment.provider()) {
            case "openai":
            case "openai-compatible":
                return new OpenAiProvider(deployment, upstream);
            case "anthropic":
                return new AnthropicProvider(deployment, upstream);
            case "ollama":
                return new OllamaProvider(deployment, upstream);
            default:
                throw new IllegalArgumentException("unknown provider '" + deployment.provider() + "' for deployment "
                        + deployment.name() + "; use openai, openai-compatible, anthropic or ollama");
        }
    }
}

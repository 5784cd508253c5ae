package io.switchboard.gateway.routing;

import java.time.Duration;

/**
 * One place a model alias can be served: a provider API ({@code openai}, {@code openai-compatible},
 * {@code anthropic}, {@code ollama} or {@code sim}), its base URL, the upstream model name and the credential.
 * {@code apiKey} is held in memory only; {@link #toString()} never shows it.
 */
public record Deployment(String name, String provider, String baseUrl, String model, String apiKey, int maxRetries,
                         Duration connectTimeout, Duration firstByteTimeout, Duration idleTimeout, int maxTokens) {

    @Override
    public String toString() {
        return "Deployment[" + name + ", " + provider + ", " + baseUrl + ", " + model + "]";
    }
}

package io.switchboard.gateway.routing;

import java.time.Duration;
import java.util.UUID;

/**
 * One place a model alias can be served: a provider API ({@code openai}, {@code openai-compatible},
 * {@code anthropic}, {@code ollama} or {@code sim}), its base URL, the upstream model name and the credential.
 * {@code apiKey} is held in memory only; {@link #toString()} never shows it. {@code orgId} is the organization that
 * added it through the API, or null for the shared ones (built in, from configuration). {@code dropUnsupported}: calls
 * go on without the generation settings its vendor has no field for, instead of being refused.
 */
public record Deployment(String name, String provider, String baseUrl, String model, String apiKey, int maxRetries,
                         Duration connectTimeout, Duration firstByteTimeout, Duration idleTimeout, int maxTokens,
                         UUID orgId, boolean dropUnsupported) {

    /** A shared deployment (built in or from configuration). */
    public Deployment(String name, String provider, String baseUrl, String model, String apiKey, int maxRetries,
                      Duration connectTimeout, Duration firstByteTimeout, Duration idleTimeout, int maxTokens) {
        this(name, provider, baseUrl, model, apiKey, maxRetries, connectTimeout, firstByteTimeout, idleTimeout,
                maxTokens, null, false);
    }

    /** Unique across organizations (two may each have a deployment of the same name): limits and cooldowns go by it. */
    public String key() {
        return key(orgId, name);
    }

    static String key(UUID orgId, String name) {
        return orgId == null ? name : orgId + "/" + name;
    }

    @Override
    public String toString() {
        return "Deployment[" + name + ", " + provider + ", " + baseUrl + ", " + model + "]";
    }
}

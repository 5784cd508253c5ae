package io.switchboard.gateway.routing;

/**
 * What one deployment may take: its share of an alias's traffic under {@code weighted}, calls in flight at once, and
 * requests and tokens (input + output) per minute. 0 means no limit. A deployment at a limit is passed over like one
 * cooling down. The limits hold per gateway replica: with N replicas, set a provider's quota divided by N.
 */
public record Limits(int weight, int maxConcurrent, int requestsPerMinute, int tokensPerMinute) {
    public static final Limits NONE = new Limits(1, 0, 0, 0);

    public Limits {
        weight = Math.max(1, weight);
        maxConcurrent = Math.max(0, maxConcurrent);
        requestsPerMinute = Math.max(0, requestsPerMinute);
        tokensPerMinute = Math.max(0, tokensPerMinute);
    }
}

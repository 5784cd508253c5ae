package io.switchboard.gateway.routing;

import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One deployment's load against its {@link Limits}: calls in flight, and token buckets for requests and tokens per
 * minute (refilled smoothly, so a minute's quota is not spent in its first second and then refused for 59).
 */
final class Throttle {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    final Limits limits;
    final AtomicInteger inFlight;
    private final Bucket requests;
    private final Bucket tokens;

    Throttle(Limits limits, AtomicInteger inFlight) {
        this.limits = limits;
        this.inFlight = inFlight;
        this.requests = bucket(limits.requestsPerMinute());
        this.tokens = bucket(limits.tokensPerMinute());
    }

    private static Bucket bucket(int perMinute) {
        return perMinute == 0 ? null
                : Bucket.builder().addLimit(limit -> limit.capacity(perMinute).refillGreedy(perMinute, MINUTE)).build();
    }

    /** Takes a slot for one call, or false when a limit is reached (and nothing is taken). */
    boolean tryAcquire() {
        int busy = inFlight.incrementAndGet();
        if ((limits.maxConcurrent() > 0 && busy > limits.maxConcurrent())
                || (tokens != null && tokens.getAvailableTokens() <= 0)
                || (requests != null && !requests.tryConsume(1))) {
            inFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    void release() {
        inFlight.decrementAndGet();
    }

    /** Whether calls must report the tokens they used ({@link #used}). */
    boolean countsTokens() {
        return tokens != null;
    }

    /** Charges a finished call's tokens; the bucket may go below zero, which refuses calls until it refills. */
    void used(int count) {
        if (tokens != null && count > 0) {
            tokens.consumeIgnoringRateLimits(count);
        }
    }
}

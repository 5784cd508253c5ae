package io.switchboard.gateway.routing;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A circuit breaker per deployment: after {@code threshold} consecutive failures it opens for {@code cooldown}; then
 * one request is let through as a probe (half-open): success closes it, failure opens it again. Monotonic time, so
 * a clock change cannot open or close anything.
 */
public final class Cooldowns {
    private final int threshold;
    private final long cooldownNanos;
    private final LongSupplier nanoTime;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    public Cooldowns(int threshold, Duration cooldown, LongSupplier nanoTime) {
        this.threshold = threshold;
        this.cooldownNanos = cooldown.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Whether a request may go to the deployment now; past the cooldown only one probe at a time may. */
    public boolean tryAcquire(String deployment) {
        State state = states.get(deployment);
        return state == null || state.tryAcquire(nanoTime.getAsLong(), cooldownNanos);
    }

    public void success(String deployment) {
        State state = states.get(deployment);
        if (state != null) {
            state.success();
        }
    }

    /** A request ended with no verdict on the deployment (the client went away): a probe slot is freed. */
    public void release(String deployment) {
        State state = states.get(deployment);
        if (state != null) {
            state.release();
        }
    }

    public void failure(String deployment) {
        states.computeIfAbsent(deployment, d -> new State()).failure(nanoTime.getAsLong(), threshold);
    }

    /** How many deployments are cooling down now (for the metrics). */
    public int openCount() {
        int open = 0;
        for (State state : states.values()) {
            open += state.open ? 1 : 0;
        }
        return open;
    }

    /** Whether the deployment is cooling down (open), for status pages and tests. */
    public boolean open(String deployment) {
        State state = states.get(deployment);
        return state != null && state.open;
    }

    private static final class State {
        private int consecutiveFailures;
        private volatile boolean open; // read by the metrics without the lock
        private boolean probing;
        private long openedAt;

        synchronized boolean tryAcquire(long now, long cooldown) {
            if (!open) {
                return true;
            }
            if (now - openedAt < cooldown || probing) {
                return false;
            }
            probing = true;
            return true;
        }

        synchronized void success() {
            consecutiveFailures = 0;
            open = false;
            probing = false;
        }

        synchronized void release() {
            probing = false;
        }

        synchronized void failure(long now, int threshold) {
            consecutiveFailures++;
            if (probing || consecutiveFailures >= threshold) {
                open = true;
                openedAt = now;
            }
            probing = false;
        }
    }
}

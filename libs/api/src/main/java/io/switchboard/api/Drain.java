package io.switchboard.api;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** A stopping service's wait for its work under way to end (on the shutdown thread, never an event loop). */
public final class Drain {
    private static final long STEP_NANOS = Duration.ofMillis(50).toNanos();

    private Drain() {
    }

    /** Waits while {@code busy} holds, at most {@code atMost}; true when it stopped holding. */
    public static boolean waitWhile(BooleanSupplier busy, Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (busy.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || Thread.currentThread().isInterrupted()) {
                return false;
            }
            LockSupport.parkNanos(Math.min(left, STEP_NANOS));
        }
        return true;
    }
}

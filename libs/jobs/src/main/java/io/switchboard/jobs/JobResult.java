package io.switchboard.jobs;

import java.time.Instant;

/**
 * What comes after a job ran: nothing (it is done), the same job again at {@code nextAt} with {@code nextData} (a run
 * that counts: it is recorded), or ({@code deferred}) the same run later, because the job could not do its work yet
 * (not recorded, and not an attempt).
 */
public record JobResult<T>(Instant nextAt, T nextData, boolean deferred) {

    public static <T> JobResult<T> done() {
        return new JobResult<>(null, null, false);
    }

    public static <T> JobResult<T> again(Instant at, T data) {
        return new JobResult<>(at, data, false);
    }

    /** A recurring kind's job again at its next tick after now, the tick as its data. */
    public static JobResult<Instant> nextTick(Cron ticks) {
        Instant next = ticks.next(Instant.now());
        return again(next, next);
    }

    /** Runs the job again at {@code at} with the same data, as if it had not run now. */
    public static <T> JobResult<T> deferred(Instant at, T data) {
        return new JobResult<>(at, data, true);
    }
}

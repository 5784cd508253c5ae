package io.switchboard.jobs;

import java.time.Instant;

/** What comes after a job ran: nothing (it is done), or the same job again at {@code nextAt} with {@code nextData}. */
public record JobResult<T>(Instant nextAt, T nextData) {

    public static <T> JobResult<T> done() {
        return new JobResult<>(null, null);
    }

    public static <T> JobResult<T> again(Instant at, T data) {
        return new JobResult<>(at, data);
    }
}

package io.switchboard.jobs;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.time.Instant;

/**
 * A kind of background job: its name, the type of its data (stored as JSON), and what running one does. The beans of
 * this type are the kinds a service runs. A job runs at least once: a runner that dies in it leaves it to be run again,
 * so what a job does must be safe to do twice (keys chosen up front, {@code on conflict do nothing}).
 */
public interface JobKind<T> {

    /** Unique within the service; shown on the jobs page. */
    String name();

    Class<T> dataType();

    /** Runs the job and tells what comes next; a failure is tried again later, up to {@link #maxAttempts()}. */
    Uni<JobResult<T>> run(Job<T> job);

    default int maxAttempts() {
        return 5;
    }

    /** The wait before the second attempt; each later one waits twice as long (with jitter), an hour at most. */
    default Duration firstRetry() {
        return Duration.ofSeconds(10);
    }

    /** How long one attempt may take before it counts as failed. */
    default Duration timeout() {
        return Duration.ofMinutes(5);
    }

    /**
     * For the platform's own recurring work: the ticks this kind runs at. Each replica makes sure at start-up that one
     * job of it (key {@value Jobs#RECURRING}, no organization, its data the tick) is queued; {@link #run} gives the
     * next.
     * Null (the default): jobs of this kind are queued by the code that causes them.
     */
    default Cron recurring() {
        return null;
    }

    /**
     * Whether people may cancel or retry a job of this kind by hand: not one that belongs to something they manage
     * elsewhere (a schedule's tick: pause the schedule), nor the platform's recurring upkeep.
     */
    default boolean cancellable() {
        return recurring() == null;
    }

    /**
     * What comes next once the last attempt failed (the job is recorded as failed either way): by default nothing, or
     * for a recurring kind its next tick (its upkeep goes on).
     */
    default JobResult<T> afterLastAttempt(Job<T> job) {
        Cron ticks = recurring();
        if (ticks == null) {
            return JobResult.done();
        }
        JobResult<Instant> next = JobResult.nextTick(ticks);
        return JobResult.again(next.nextAt(), dataType().cast(next.nextData()));
    }
}

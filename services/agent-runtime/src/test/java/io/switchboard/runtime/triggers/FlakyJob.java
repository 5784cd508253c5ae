package io.switchboard.runtime.triggers;

import io.smallrye.mutiny.Uni;
import io.switchboard.jobs.Job;
import io.switchboard.jobs.JobKind;
import io.switchboard.jobs.JobResult;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A job kind for the tests of the job mechanism: fails its first {@code failFirst} runs, then succeeds. */
@ApplicationScoped
public class FlakyJob implements JobKind<FlakyJob.Data> {
    public record Data(int failFirst) {
    }

    /** Runs so far, by job key. */
    final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return "flaky-test";
    }

    @Override
    public Class<Data> dataType() {
        return Data.class;
    }

    @Override
    public int maxAttempts() {
        return 4;
    }

    @Override
    public Duration firstRetry() {
        return Duration.ofMillis(100);
    }

    @Override
    public Uni<JobResult<Data>> run(Job<Data> job) {
        int run = runs.computeIfAbsent(job.key(), k -> new AtomicInteger()).incrementAndGet();
        if (run <= job.data().failFirst()) {
            return Uni.createFrom().failure(new IllegalStateException("flaky run " + run));
        }
        return Uni.createFrom().item(JobResult.done());
    }

    int runs(String key) {
        AtomicInteger n = runs.get(key);
        return n == null ? 0 : n.get();
    }
}

package io.switchboard.runtime.turn;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * The turns' metrics (Micrometer, at {@code /q/metrics}): turns by how they ended, their duration and the time to their
 * first token (histograms, so Prometheus computes percentiles; exemplars link a bucket to a trace), tool calls by
 * tool and outcome.
 */
@ApplicationScoped
public class TurnMetrics {
    private final MeterRegistry meters;
    private final Timer firstToken;

    public TurnMetrics(MeterRegistry meters) {
        this.meters = meters;
        this.firstToken = histogram("switchboard.turn.first_token", "From a turn's start to its first token")
                .register(meters);
    }

    /** A turn ended ({@code status}: completed, failed, cancelled, ...) {@code nanos} after this runner began it. */
    void ended(String status, long nanos) {
        Counter.builder("switchboard.turns").description("Turns ended, by status").tag("status", status)
                .register(meters).increment();
        histogram("switchboard.turn.duration", "From a turn's start (or resume) to its end").tag("status", status)
                .register(meters).record(Duration.ofNanos(nanos));
    }

    void firstToken(long nanos) {
        firstToken.record(Duration.ofNanos(nanos));
    }

    /** A tool call ended: {@code outcome} ok, rejected (the model hears why), error or timeout. */
    void toolCalled(String tool, String outcome) {
        Counter.builder("switchboard.tool.calls").description("Tool calls, by tool and outcome").tag("tool", tool)
                .tag("outcome", outcome).register(meters).increment();
    }

    private static Timer.Builder histogram(String name, String description) {
        return Timer.builder(name).description(description).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10));
    }
}

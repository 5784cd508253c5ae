package io.switchboard.gateway.usage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;

/**
 * Model calls' metrics (Micrometer, at {@code /q/metrics}), by model and deployment: calls by status, tokens, cost,
 * duration and time to the first chunk (histograms), retries (again on the same deployment) and fallbacks (on to
 * another). A call no deployment served (an unknown model: a client's free text) is counted under model {@code none},
 * so clients cannot grow the metrics without bound.
 */
public final class CallMetrics {
    private final MeterRegistry meters;

    public CallMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    void record(CallRecord call, List<String> triedOn) {
        String deployment = call.deployment() == null ? "none" : call.deployment();
        Tags tags = Tags.of("model", call.deployment() == null ? "none" : call.model(), "deployment", deployment);
        Counter.builder("switchboard.llm.calls").description("Model calls, by status").tags(tags)
                .tag("status", call.status()).register(meters).increment();
        Counter.builder("switchboard.llm.tokens").description("Tokens of model calls").tags(tags).tag("type", "input")
                .register(meters).increment(call.inputTokens());
        Counter.builder("switchboard.llm.tokens").description("Tokens of model calls").tags(tags).tag("type", "output")
                .register(meters).increment(call.outputTokens());
        if (call.costUsd() != null) {
            Counter.builder("switchboard.llm.cost").baseUnit("usd").description("What model calls cost").tags(tags)
                    .register(meters).increment(call.costUsd().doubleValue());
        }
        if (call.latencyMs() != null) {
            histogram("switchboard.llm.duration", "A model call from its start to its end").tags(tags)
                    .tag("status", call.status()).register(meters).record(Duration.ofMillis(call.latencyMs()));
        }
        if (call.ttftMs() != null) {
            histogram("switchboard.llm.first_chunk", "A model call from its start to its first chunk").tags(tags)
                    .register(meters).record(Duration.ofMillis(call.ttftMs()));
        }
        int fallbacks = 0;
        for (int i = 1; i < triedOn.size(); i++) {
            fallbacks += triedOn.get(i).equals(triedOn.get(i - 1)) ? 0 : 1;
        }
        int retries = Math.max(0, triedOn.size() - 1 - fallbacks);
        if (retries > 0) {
            Counter.builder("switchboard.llm.retries").description("Attempts again on the same deployment").tags(tags)
                    .register(meters).increment(retries);
        }
        if (fallbacks > 0) {
            Counter.builder("switchboard.llm.fallbacks").description("Attempts moved on to another deployment")
                    .tags(tags).register(meters).increment(fallbacks);
        }
    }

    private static Timer.Builder histogram(String name, String description) {
        return Timer.builder(name).description(description).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10));
    }
}

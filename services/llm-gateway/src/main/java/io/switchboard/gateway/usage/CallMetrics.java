package io.switchboard.gateway.usage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Model calls' metrics (Micrometer, at {@code /q/metrics}), by model and deployment: calls by status, tokens, cost,
 * duration and time to the first chunk (histograms), retries (again on the same deployment) and fallbacks (on to
 * another). A call no deployment served (an unknown model: a client's free text) is counted under model {@code none},
 * so clients cannot grow the metrics without bound.
 */
public final class CallMetrics {
    private final MeterRegistry meters;
    /** The meters of each model, deployment and status, registered once: a call then only counts. */
    private final Map<Key, Meters> known = new ConcurrentHashMap<>();

    private record Key(String model, String deployment, String status) {
    }

    public CallMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    void record(CallRecord call, List<String> triedOn) {
        String deployment = call.deployment() == null ? "none" : call.deployment();
        Meters m = known.computeIfAbsent(new Key(call.deployment() == null ? "none" : call.model(), deployment,
                call.status()), Meters::new);
        m.calls.increment();
        m.inputTokens.increment(call.inputTokens());
        m.outputTokens.increment(call.outputTokens());
        if (call.costUsd() != null) {
            m.cost().increment(call.costUsd().doubleValue());
        }
        if (call.latencyMs() != null) {
            m.duration.record(Duration.ofMillis(call.latencyMs()));
        }
        if (call.ttftMs() != null) {
            m.firstChunk.record(Duration.ofMillis(call.ttftMs()));
        }
        int fallbacks = 0;
        for (int i = 1; i < triedOn.size(); i++) {
            fallbacks += triedOn.get(i).equals(triedOn.get(i - 1)) ? 0 : 1;
        }
        int retries = Math.max(0, triedOn.size() - 1 - fallbacks);
        if (retries > 0) {
            m.retries().increment(retries);
        }
        if (fallbacks > 0) {
            m.fallbacks().increment(fallbacks);
        }
    }

    /**
     * One model's, deployment's and status's meters. Cost, retries and fallbacks are registered with their first
     * value, so an unpriced model has no cost series and a deployment that never failed no retries.
     */
    private final class Meters {
        final Tags tags;
        final Counter calls;
        final Counter inputTokens;
        final Counter outputTokens;
        final Timer duration;
        final Timer firstChunk;
        private volatile Counter cost;
        private volatile Counter retries;
        private volatile Counter fallbacks;

        Meters(Key key) {
            tags = Tags.of("model", key.model(), "deployment", key.deployment());
            calls = Counter.builder("switchboard.llm.calls").description("Model calls, by status").tags(tags)
                    .tag("status", key.status()).register(meters);
            inputTokens = Counter.builder("switchboard.llm.tokens").description("Tokens of model calls").tags(tags)
                    .tag("type", "input").register(meters);
            outputTokens = Counter.builder("switchboard.llm.tokens").description("Tokens of model calls").tags(tags)
                    .tag("type", "output").register(meters);
            duration = histogram("switchboard.llm.duration", "A model call from its start to its end").tags(tags)
                    .tag("status", key.status()).register(meters);
            firstChunk = histogram("switchboard.llm.first_chunk", "A model call from its start to its first chunk")
                    .tags(tags).register(meters);
        }

        // registering twice at once is harmless: the registry gives both the same counter
        Counter cost() {
            if (cost == null) {
                cost = Counter.builder("switchboard.llm.cost").baseUnit("usd").description("What model calls cost")
                        .tags(tags).register(meters);
            }
            return cost;
        }

        Counter retries() {
            if (retries == null) {
                retries = Counter.builder("switchboard.llm.retries").description("Attempts again on the same"
                        + " deployment").tags(tags).register(meters);
            }
            return retries;
        }

        Counter fallbacks() {
            if (fallbacks == null) {
                fallbacks = Counter.builder("switchboard.llm.fallbacks").description("Attempts moved on to another"
                        + " deployment").tags(tags).register(meters);
            }
            return fallbacks;
        }
    }

    private static Timer.Builder histogram(String name, String description) {
        return Timer.builder(name).description(description).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10));
    }
}

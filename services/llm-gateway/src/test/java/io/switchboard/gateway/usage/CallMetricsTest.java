package io.switchboard.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a model call adds to the metrics: counted by model and deployment, retries told from fallbacks. */
class CallMetricsTest {
    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final CallMetrics metrics = new CallMetrics(meters);

    @Test
    void aCallRetriedThenFallenBackIsCountedOnTheDeploymentThatServedIt() {
        metrics.record(call("gpt", "backup", "ok", 3, 120, 40), List.of("primary", "primary", "backup"));

        assertThat(meters.get("switchboard.llm.calls").tags("model", "gpt", "deployment", "backup", "status", "ok")
                .counter().count()).isEqualTo(1);
        assertThat(meters.get("switchboard.llm.tokens").tags("type", "input").counter().count()).isEqualTo(120);
        assertThat(meters.get("switchboard.llm.tokens").tags("type", "output").counter().count()).isEqualTo(40);
        assertThat(meters.get("switchboard.llm.cost").counter().count()).isEqualTo(0.25);
        assertThat(meters.get("switchboard.llm.retries").counter().count()).isEqualTo(1);
        assertThat(meters.get("switchboard.llm.fallbacks").counter().count()).isEqualTo(1);
        assertThat(meters.get("switchboard.llm.duration").timer().count()).isEqualTo(1);
        assertThat(meters.get("switchboard.llm.first_chunk").timer().count()).isEqualTo(1);
    }

    @Test
    void aModelNoDeploymentServesIsCountedUnderNoneNotUnderTheClientsText() {
        metrics.record(call("anything a client typed", null, "unknown_model", 0, 0, 0), List.of());

        assertThat(meters.get("switchboard.llm.calls").tags("model", "none", "deployment", "none").counter().count())
                .isEqualTo(1);
        assertThat(meters.find("switchboard.llm.calls").tag("model", "anything a client typed").counter()).isNull();
        assertThat(meters.find("switchboard.llm.retries").counter()).isNull();
    }

    @Test
    void callsOfOneModelAndDeploymentAddUpOnTheirMetersAndEachStatusIsCountedApart() {
        metrics.record(call("gpt", "backup", "ok", 1, 10, 5), List.of("backup"));
        metrics.record(call("gpt", "backup", "ok", 1, 10, 5), List.of("backup"));
        metrics.record(call("gpt", "backup", "rate_limited", 1, 0, 0), List.of("backup"));

        assertThat(meters.get("switchboard.llm.calls").tags("status", "ok").counter().count()).isEqualTo(2);
        assertThat(meters.get("switchboard.llm.calls").tags("status", "rate_limited").counter().count()).isEqualTo(1);
        assertThat(meters.get("switchboard.llm.tokens").tags("type", "input").counter().count()).isEqualTo(20);
        assertThat(meters.get("switchboard.llm.duration").tags("status", "ok").timer().count()).isEqualTo(2);
        assertThat(meters.get("switchboard.llm.cost").counter().count()).isEqualTo(0.75);
    }

    private static CallRecord call(String model, String deployment, String status, int attempts, int in, int out) {
        return new CallRecord("r1", null, null, null, model, deployment, deployment == null ? null : "upstream",
                deployment == null ? "none" : "openai", attempts, status, in, out, 0,
                deployment == null ? null : new BigDecimal("0.25"), 900, deployment == null ? null : 150,
                Instant.now(), null, null, null, false);
    }
}

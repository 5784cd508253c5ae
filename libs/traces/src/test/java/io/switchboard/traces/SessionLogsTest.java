package io.switchboard.traces;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.MDC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A line about a turn carries the session's trace, session and turn ids; the thread's own MDC is left as it was. */
class SessionLogsTest {
    @AfterEach
    void clean() {
        MDC.clear();
    }

    @Test
    void theLineCarriesTheIdsAndTheThreadKeepsItsOwn() {
        UUID session = UUID.randomUUID();
        MDC.put("turnId", "the thread's");
        Map<String, Object> seen = new HashMap<>();
        SessionLogs.log(session.toString(), "turn-1", () -> seen.putAll(MDC.getMap()));
        assertThat(seen).containsEntry("traceId", session.toString().replace("-", ""))
                .containsEntry("sessionId", session.toString()).containsEntry("turnId", "turn-1");
        assertThat(MDC.getMap()).containsOnlyKeys("turnId").containsEntry("turnId", "the thread's");
    }

    @Test
    void aSessionIdThatIsNoUuidHasNoTraceAndNothingIsLeftBehind() {
        Map<String, Object> seen = new HashMap<>();
        SessionLogs.log("s-1", null, () -> seen.putAll(MDC.getMap()));
        assertThat(seen).containsOnlyKeys("sessionId");
        assertThat(MDC.getMap()).isEmpty();
    }

    @Test
    void aLineAboutASpanCarriesItsIdsAndTheThreadKeepsItsOwn() {
        SpanContext span = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
                TraceFlags.getSampled(), TraceState.getDefault());
        MDC.put("traceId", "the thread's");
        Map<String, Object> seen = new HashMap<>();
        SessionLogs.log(span, () -> seen.putAll(MDC.getMap()));
        assertThat(seen).containsEntry("traceId", "0af7651916cd43dd8448eb211c80319c")
                .containsEntry("spanId", "b7ad6b7169203331");
        assertThat(MDC.getMap()).containsOnlyKeys("traceId").containsEntry("traceId", "the thread's");

        seen.clear();
        SessionLogs.log(SpanContext.getInvalid(), () -> seen.putAll(MDC.getMap()));
        assertThat(seen).containsOnlyKeys("traceId").containsEntry("traceId", "the thread's");
    }
}

package io.switchboard.gateway.usage;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each LLM call is one span named and attributed by the OpenTelemetry GenAI conventions, inside the caller's trace. */
@QuarkusTest
class GenAiSpanTest {
    @Inject
    InMemorySpanExporter spans;

    private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";

    /** Spans of earlier tests may still be arriving: each test looks only at spans started after it began. */
    private static long now() {
        java.time.Instant t = java.time.Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Test
    void aCallIsAChatSpanWithUsageInsideItsClientsTrace() {
        long since = now();
        chat("sim", "count these five words", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01", 200);
        SpanData chat = chatSpan("chat sim", since);
        assertThat(chat.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(chat.getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name"))).isEqualTo("chat");
        assertThat(chat.getAttributes().get(AttributeKey.stringKey("gen_ai.provider.name"))).isEqualTo("switchboard.sim");
        assertThat(chat.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens"))).isEqualTo(4L);
        assertThat(chat.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens"))).isPositive();
        assertThat(chat.getAttributes().get(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons")))
                .isEqualTo(List.of("stop"));
        // a child of the client's span, with no HTTP server span between them
        assertThat(chat.getTraceId()).isEqualTo(CLIENT_TRACE);
        assertThat(chat.getParentSpanId()).isEqualTo(CLIENT_SPAN);
        assertThat(chat.getParentSpanContext().isRemote()).isTrue();
        assertThat(spans.getFinishedSpanItems()).noneMatch(s -> s.getTraceId().equals(CLIENT_TRACE)
                && s.getKind() == SpanKind.SERVER);
    }

    @Test
    void aCallWithoutATraceparentStartsATraceOfItsOwn() {
        long since = now();
        chat("sim/other", "hello", null, 200);
        SpanData chat = chatSpan("chat sim/other", since);
        assertThat(chat.getParentSpanContext().isValid()).isFalse();
        assertThat(chat.getTraceId()).isNotEqualTo(CLIENT_TRACE);
    }

    @Test
    void theCallsMetricsNameItsSpanAsTheirExemplar() {
        String trace = "5c0ffee0000000000000000000e4a3b1";
        long since = now();
        chat("sim/exemplar", "hello", "00-" + trace + "-" + CLIENT_SPAN + "-01", 200);
        SpanData chat = chatSpan("chat sim/exemplar", since);
        String metrics = given().accept("application/openmetrics-text; version=1.0.0; charset=utf-8")
                .get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics.lines().filter(line -> line.startsWith("switchboard_llm_duration_seconds_bucket{"))
                .filter(line -> line.contains("trace_id=\"" + trace + "\"")))
                .isNotEmpty().allMatch(line -> line.contains("span_id=\"" + chat.getSpanId() + "\""));
    }

    /** Sends a chat call as a client would, with its {@code traceparent} when not null, and checks its status. */
    private static void chat(String model, String content, String traceparent, int status) {
        var request = given().header("Authorization", "Bearer " + io.switchboard.gateway.TestKeys.unlimited());
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        request.contentType(ContentType.JSON).body("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + content + "\"}]}").post("/v1/chat/completions").then().statusCode(status);
    }

    private SpanData chatSpan(String name, long since) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(name) && s.getStartEpochNanos() >= since).findFirst(),
                found -> found.isPresent()).get();
    }

    @Test
    void aFailedCallIsAnErrorSpanWithItsErrorType() {
        long since = now();
        chat("sim", "[fail:500]", null, 502);
        SpanData chat = chatSpan("chat sim", since);
        assertThat(chat.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(chat.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("provider_error");
    }
}

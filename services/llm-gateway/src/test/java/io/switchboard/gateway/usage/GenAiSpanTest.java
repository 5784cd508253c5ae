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

    /** Spans of earlier tests may still be arriving: each test looks only at spans started after it began. */
    private static long now() {
        java.time.Instant t = java.time.Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @Test
    void aCallIsAChatSpanWithUsageInsideTheHttpRequestsTrace() {
        long since = now();
        given().header("Authorization", "Bearer " + io.switchboard.gateway.TestKeys.unlimited())
                .contentType(ContentType.JSON).body("{\"model\":\"sim\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"count these five words\"}]}").post("/v1/chat/completions").then().statusCode(200);
        SpanData chat = await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("chat sim") && s.getStartEpochNanos() >= since).findFirst(),
                found -> found.isPresent()).get();
        assertThat(chat.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(chat.getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name"))).isEqualTo("chat");
        assertThat(chat.getAttributes().get(AttributeKey.stringKey("gen_ai.provider.name"))).isEqualTo("switchboard.sim");
        assertThat(chat.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens"))).isEqualTo(4L);
        assertThat(chat.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens"))).isPositive();
        assertThat(chat.getAttributes().get(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons")))
                .isEqualTo(List.of("stop"));
        // a child of the server span of the HTTP request
        assertThat(chat.getParentSpanContext().isValid()).isTrue();
        assertThat(spans.getFinishedSpanItems()).anyMatch(s -> s.getSpanId().equals(chat.getParentSpanId())
                && s.getKind() == SpanKind.SERVER);
    }

    @Test
    void aFailedCallIsAnErrorSpanWithItsErrorType() {
        long since = now();
        given().header("Authorization", "Bearer " + io.switchboard.gateway.TestKeys.unlimited())
                .contentType(ContentType.JSON).body("{\"model\":\"sim\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"[fail:500]\"}]}").post("/v1/chat/completions").then().statusCode(502);
        SpanData chat = await().atMost(Duration.ofSeconds(10)).until(() -> spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("chat sim") && s.getStartEpochNanos() >= since).findFirst(),
                found -> found.isPresent()).get();
        assertThat(chat.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(chat.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("provider_error");
    }
}

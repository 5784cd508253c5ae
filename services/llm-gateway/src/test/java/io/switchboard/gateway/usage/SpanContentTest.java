package io.switchboard.gateway.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.gateway.cost.PriceTable;
import io.switchboard.gateway.provider.ChatProvider;
import io.switchboard.gateway.provider.Json;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.routing.Deployment;
import io.switchboard.gateway.routing.RouteTable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Prompt and answer go into the call's span only when content capture is switched on. */
class SpanContentTest {
    private static final RouteTable NO_ROUTES = new RouteTable() {
        @Override
        public List<Deployment> route(UUID orgId, String model) {
            return List.of();
        }

        @Override
        public ChatProvider provider(Deployment deployment) {
            throw new UnsupportedOperationException();
        }
    };
    private static final LlmRequest REQUEST = LlmRequest.of("r-1", "s-1", "t-1", "sim", List.of(
            ChatMessage.system("Be brief."),
            ChatMessage.user("Weather in Paris?"),
            ChatMessage.assistant("", List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))),
            ChatMessage.toolResult("call_1", "18C")), List.of());

    @Test
    void withCaptureOnTheSpanCarriesPromptAndAnswerInTheConventionsShape() {
        SpanData span = call(true);
        Map<String, String> content = content(span);
        assertThat(Json.read(content.get("gen_ai.system_instructions")).get(0).path("content").asText())
                .isEqualTo("Be brief.");
        JsonNode input = Json.read(content.get("gen_ai.input.messages"));
        assertThat(input).hasSize(3);
        assertThat(input.get(0).path("parts").get(0).path("content").asText()).isEqualTo("Weather in Paris?");
        JsonNode call = input.get(1).path("parts").get(0);
        assertThat(call.path("type").asText()).isEqualTo("tool_call");
        assertThat(call.path("arguments").path("city").asText()).isEqualTo("Paris");
        assertThat(input.get(2).path("parts").get(0).path("type").asText()).isEqualTo("tool_call_response");
        JsonNode output = Json.read(content.get("gen_ai.output.messages")).get(0);
        assertThat(output.path("role").asText()).isEqualTo("assistant");
        assertThat(output.path("parts").get(0).path("content").asText()).isEqualTo("It is 18C.");
        assertThat(output.path("finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void byDefaultNoContentLeavesTheGateway() {
        assertThat(content(call(false))).isEmpty();
    }

    @Test
    void anAgentThatCapturesContentHasItsCallsCarryItWithTheGatewaysCaptureOff() {
        Map<String, String> content = content(call(false, REQUEST.withCaptureContent(true)));
        assertThat(content).containsKeys("gen_ai.system_instructions", "gen_ai.input.messages",
                "gen_ai.output.messages");
        assertThat(content(call(false, REQUEST.withCaptureContent(false)))).isEmpty();
    }

    @Test
    void anOrganizationThatCapturesContentHasAllItsCallsCarryIt() {
        UUID capturing = UUID.randomUUID();
        Predicate<UUID> orgs = capturing::equals;
        assertThat(content(call(orgs, REQUEST.forOrg(capturing.toString())))).containsKeys(
                "gen_ai.system_instructions", "gen_ai.input.messages", "gen_ai.output.messages");
        assertThat(content(call(orgs, REQUEST.forOrg(UUID.randomUUID().toString())))).isEmpty();
    }

    private static SpanData call(boolean capture) {
        return call(capture, REQUEST);
    }

    private static SpanData call(boolean capture, LlmRequest request) {
        return call(org -> capture, request);
    }

    private static SpanData call(Predicate<UUID> capture, LlmRequest request) {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        try (SdkTracerProvider tracing = SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()) {
            CallRecorder recorder = new CallRecorder(null, new PriceTable(Map.of()), NO_ROUTES, capture,
                    tracing.get("test"), Duration.ofMinutes(11), Duration.ofSeconds(30),
                    new CallMetrics(new SimpleMeterRegistry()));
            CallMeter meter = recorder.start(request, Context.root());
            meter.observe(new ProviderEvent.TextDelta("It is "));
            meter.observe(new ProviderEvent.TextDelta("18C."));
            meter.observe(new ProviderEvent.Usage(10, 4, 0));
            meter.observe(new ProviderEvent.Finish("stop"));
            recorder.record(meter);
            return exporter.getFinishedSpanItems().get(0);
        }
    }

    private static Map<String, String> content(SpanData span) {
        Map<String, String> content = new java.util.HashMap<>();
        for (String key : List.of("gen_ai.system_instructions", "gen_ai.input.messages", "gen_ai.output.messages")) {
            String value = span.getAttributes().get(AttributeKey.stringKey(key));
            if (value != null) {
                content.put(key, value);
            }
        }
        return content;
    }
}

package io.switchboard.gateway.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.gateway.provider.Json;
import java.util.Map;
import io.switchboard.gateway.provider.AbstractProviderConformanceTest;
import io.switchboard.gateway.provider.FakeVendor;
import io.switchboard.gateway.provider.ProviderEvent;
import org.junit.jupiter.api.Test;

class AnthropicConformanceTest extends AbstractProviderConformanceTest {

    @Override
    protected String vendor() {
        return "anthropic";
    }

    @Override
    protected String providerKind() {
        return "anthropic";
    }

    @Override
    protected String baseUrl(int port) {
        return "http://127.0.0.1:" + port;
    }

    @Override
    protected ProviderEvent.Usage plainUsage() {
        return new ProviderEvent.Usage(12, 6, 4);
    }

    @Override
    protected void assertRequest(FakeVendor.Recorded request, JsonNode body) {
        assertThat(request.path()).isEqualTo("/v1/messages");
        assertThat(request.headers()).containsEntry("x-api-key", "secret-test-key")
                .containsEntry("anthropic-version", "2023-06-01");
        assertThat(body.path("model").asText()).isEqualTo("upstream-model");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(4096);
        assertThat(body.path("system").asText()).isEqualTo("Be brief.");
        JsonNode messages = body.path("messages");
        assertThat(messages).hasSize(3);
        assertThat(messages.get(0).path("role").asText()).isEqualTo("user");
        JsonNode toolUse = messages.get(1).path("content").get(0);
        assertThat(messages.get(1).path("role").asText()).isEqualTo("assistant");
        assertThat(toolUse.path("type").asText()).isEqualTo("tool_use");
        assertThat(toolUse.path("id").asText()).isEqualTo("call_1");
        assertThat(toolUse.path("input").path("city").asText()).isEqualTo("Paris");
        // the tool result and the next user text share one user message, as the API requires
        JsonNode last = messages.get(2);
        assertThat(last.path("role").asText()).isEqualTo("user");
        assertThat(last.path("content").get(0).path("type").asText()).isEqualTo("tool_result");
        assertThat(last.path("content").get(0).path("tool_use_id").asText()).isEqualTo("call_1");
        assertThat(last.path("content").get(1).path("text").asText()).isEqualTo("scenario:plain");
        assertThat(body.path("tools").get(0).path("input_schema").path("required").get(0).asText()).isEqualTo("city");
        // OpenAI's response_format json_schema is Anthropic's structured output
        JsonNode format = body.path("output_config").path("format");
        assertThat(format.path("type").asText()).isEqualTo("json_schema");
        assertThat(format.path("schema").path("type").asText()).isEqualTo("object");
    }

    @Test
    void jsonModeBecomesAnInstructionSinceAnthropicHasNone() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        StringBuilder system = new StringBuilder("Be brief.");
        AnthropicProvider.putFormat(body, Map.of("type", "json_object"), system);
        assertThat(body.has("output_config")).isFalse();
        assertThat(system.toString()).isEqualTo("Be brief.\n\n" + AnthropicProvider.JSON_ONLY);
    }

    @Test
    void thinkingIsKeptApartFromTheAnswer() {
        assertReasoning("reasoning", "The user greets me. Greet back.");
    }
}

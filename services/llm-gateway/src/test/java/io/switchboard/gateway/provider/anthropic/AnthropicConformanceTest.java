package io.switchboard.gateway.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.gateway.provider.AbstractProviderConformanceTest;
import io.switchboard.gateway.provider.FakeVendor;
import io.switchboard.gateway.provider.Json;
import io.switchboard.gateway.provider.ProviderEvent;
import java.util.List;
import java.util.Map;
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
    void thinkingIsKeptApartFromTheAnswerAndEndsWithItsSignature() {
        assertReasoning("reasoning", "The user greets me. Greet back.");
        assertThat(run("reasoning", GenerationSettings.DEFAULTS).events())
                .contains(new ProviderEvent.ReasoningSignature("EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"));
    }

    @Override
    protected GenerationSettings takenSettings() {
        return new GenerationSettings(0.3, 0.9, 40, 2048, List.of("END"), null, null, null, null, 1024,
                GenerationSettings.ToolChoice.REQUIRED, false, "user-7", Map.of("team", "search"), false);
    }

    @Override
    protected void assertSettings(JsonNode body) {
        assertThat(body.path("max_tokens").asInt()).isEqualTo(2048); // the client's, not the deployment's 4096
        assertThat(body.path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(body.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(body.path("top_k").asInt()).isEqualTo(40);
        assertThat(body.path("stop_sequences").toString()).isEqualTo("[\"END\"]");
        assertThat(body.path("thinking").toString()).isEqualTo("{\"type\":\"enabled\",\"budget_tokens\":1024}");
        assertThat(body.path("tool_choice").toString())
                .isEqualTo("{\"type\":\"any\",\"disable_parallel_tool_use\":true}");
        assertThat(body.path("metadata").toString()).isEqualTo("{\"user_id\":\"user-7\"}");
    }

    @Override
    protected GenerationSettings untakenSetting() {
        return new GenerationSettings(null, null, null, null, null, 42L, null, null, null, null, null, null, null, null,
                false);
    }

    @Override
    protected String untakenName() {
        return "seed";
    }

    @Test
    void aNamedToolAndNoToolAreAnthropicsToolChoices() {
        ObjectNode body = Json.MAPPER.createObjectNode();
        AnthropicProvider.putSettings(body, new GenerationSettings(null, null, null, null, null, null, null, null,
                null, null, GenerationSettings.ToolChoice.tool("get_weather"), null, null, null, false), true);
        assertThat(body.path("tool_choice").toString()).isEqualTo("{\"type\":\"tool\",\"name\":\"get_weather\"}");
        body = Json.MAPPER.createObjectNode();
        AnthropicProvider.putSettings(body, new GenerationSettings(null, null, null, null, null, null, null, null,
                null, null, GenerationSettings.ToolChoice.NONE, false, null, null, false), true);
        assertThat(body.path("tool_choice").toString()).isEqualTo("{\"type\":\"none\"}");
    }

    @Override
    protected void assertImage(JsonNode body) {
        JsonNode content = body.path("messages").get(0).path("content");
        assertThat(content).hasSize(3);
        assertThat(content.get(0).path("text").asText()).isEqualTo("What is in this picture?");
        assertThat(content.get(1).toString()).isEqualTo("{\"type\":\"image\",\"source\":{\"type\":\"base64\","
                + "\"media_type\":\"image/png\",\"data\":\"" + PIXEL + "\"}}");
        assertThat(content.get(2).path("text").asText()).isEqualTo("scenario:plain");
    }

    @Override
    protected boolean embeds() {
        return false;
    }
}

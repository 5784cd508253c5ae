package io.switchboard.gateway.provider.ollama;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.gateway.provider.AbstractProviderConformanceTest;
import io.switchboard.gateway.provider.FakeVendor;
import io.switchboard.gateway.provider.ProviderEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OllamaConformanceTest extends AbstractProviderConformanceTest {

    @Override
    protected String vendor() {
        return "ollama";
    }

    @Override
    protected String providerKind() {
        return "ollama";
    }

    @Override
    protected String baseUrl(int port) {
        return "http://127.0.0.1:" + port;
    }

    @Override
    protected ProviderEvent.Usage plainUsage() {
        return new ProviderEvent.Usage(12, 6, 0);
    }

    @Override
    protected void assertRequest(FakeVendor.Recorded request, JsonNode body) {
        assertThat(request.path()).isEqualTo("/api/chat");
        assertThat(body.path("model").asText()).isEqualTo("upstream-model");
        assertThat(body.path("stream").asBoolean()).isTrue();
        JsonNode messages = body.path("messages");
        assertThat(messages.get(0).path("role").asText()).isEqualTo("system");
        JsonNode call = messages.get(2).path("tool_calls").get(0).path("function");
        assertThat(call.path("name").asText()).isEqualTo("get_weather");
        assertThat(call.path("arguments").path("city").asText()).isEqualTo("Paris");
        assertThat(messages.get(3).path("role").asText()).isEqualTo("tool");
        assertThat(body.path("tools").get(0).path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(body.path("format").path("type").asText()).isEqualTo("object");
    }

    @Test
    void thinkingIsKeptApartFromTheAnswer() {
        assertReasoning("reasoning", "The user greets me. Greet back.");
    }

    @Override
    protected GenerationSettings takenSettings() {
        return new GenerationSettings(0.3, 0.9, 40, 50, List.of("END"), 42L, 0.5, -0.5, "high", null,
                GenerationSettings.ToolChoice.AUTO, true, "user-7", Map.of("team", "search"), false);
    }

    @Override
    protected void assertSettings(JsonNode body) {
        assertThat(body.path("options").toString()).isEqualTo("{\"num_predict\":50,\"temperature\":0.3,"
                + "\"top_p\":0.9,\"top_k\":40,\"stop\":[\"END\"],\"seed\":42,\"presence_penalty\":0.5,"
                + "\"frequency_penalty\":-0.5}");
        assertThat(body.path("think").asText()).isEqualTo("high");
        assertThat(body.path("tools")).hasSize(1);
    }

    @Override
    protected GenerationSettings untakenSetting() {
        return new GenerationSettings(null, null, null, null, null, null, null, null, null, null,
                GenerationSettings.ToolChoice.REQUIRED, null, null, null, false);
    }

    @Override
    protected String untakenName() {
        return "tool_choice";
    }

    @Override
    protected void assertImage(JsonNode body) {
        JsonNode message = body.path("messages").get(0);
        assertThat(message.path("content").asText()).isEqualTo("What is in this picture?\nscenario:plain");
        assertThat(message.path("images").toString()).isEqualTo("[\"" + PIXEL + "\"]");
    }

    @Override
    protected String embeddingsPath() {
        return "/api/embed";
    }
}

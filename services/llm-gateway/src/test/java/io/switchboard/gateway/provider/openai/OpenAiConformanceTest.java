package io.switchboard.gateway.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.gateway.provider.AbstractProviderConformanceTest;
import io.switchboard.gateway.provider.FakeVendor;
import io.switchboard.gateway.provider.Json;
import io.switchboard.gateway.provider.ProviderEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OpenAiConformanceTest extends AbstractProviderConformanceTest {

    @Override
    protected String vendor() {
        return "openai";
    }

    @Override
    protected String providerKind() {
        return "openai";
    }

    @Override
    protected String baseUrl(int port) {
        return "http://127.0.0.1:" + port + "/v1";
    }

    @Override
    protected ProviderEvent.Usage plainUsage() {
        return new ProviderEvent.Usage(12, 6, 4);
    }

    @Override
    protected void assertRequest(FakeVendor.Recorded request, JsonNode body) {
        assertChatCompletionsRequest(request, body);
    }

    static void assertChatCompletionsRequest(FakeVendor.Recorded request, JsonNode body) {
        assertThat(request.path()).isEqualTo("/v1/chat/completions");
        assertThat(request.headers()).containsEntry("authorization", "Bearer secret-test-key");
        assertThat(body.path("model").asText()).isEqualTo("upstream-model");
        assertThat(body.path("stream").asBoolean()).isTrue();
        assertThat(body.path("stream_options").path("include_usage").asBoolean()).isTrue();
        JsonNode messages = body.path("messages");
        assertThat(messages.get(0).path("role").asText()).isEqualTo("system");
        assertThat(messages.get(0).path("content").asText()).isEqualTo("Be brief.");
        JsonNode call = messages.get(2).path("tool_calls").get(0);
        assertThat(call.path("id").asText()).isEqualTo("call_1");
        assertThat(call.path("type").asText()).isEqualTo("function");
        assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(call.path("function").path("arguments").asText()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(messages.get(3).path("role").asText()).isEqualTo("tool");
        assertThat(messages.get(3).path("tool_call_id").asText()).isEqualTo("call_1");
        assertThat(messages.get(3).path("content").asText()).isEqualTo("18C and sunny");
        JsonNode tool = body.path("tools").get(0);
        assertThat(tool.path("type").asText()).isEqualTo("function");
        assertThat(tool.path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(tool.path("function").path("parameters").path("required").get(0).asText()).isEqualTo("city");
        assertThat(body.path("response_format").path("json_schema").path("name").asText()).isEqualTo("answer");
    }

    @Override
    protected GenerationSettings takenSettings() {
        return OpenAiConformanceTest.chatCompletionsSettings(null);
    }

    @Override
    protected void assertSettings(JsonNode body) {
        OpenAiConformanceTest.assertChatCompletionsSettings(body);
        assertThat(body.path("max_completion_tokens").asInt()).isEqualTo(50);
        assertThat(body.has("max_tokens")).isFalse();
        assertThat(body.has("top_k")).isFalse();
    }

    @Override
    protected GenerationSettings untakenSetting() {
        return new GenerationSettings(null, null, 40, null, null, null, null, null, null, null, null, null, null, null,
                false);
    }

    @Override
    protected String untakenName() {
        return "top_k";
    }

    /** Every setting Chat Completions takes ({@code topK} too for servers that take it). */
    static GenerationSettings chatCompletionsSettings(Integer topK) {
        return new GenerationSettings(0.3, 0.9, topK, 50, List.of("END", "STOP"), 42L, 0.5, -0.5, "low", null,
                GenerationSettings.ToolChoice.tool("get_weather"), false, "user-7", Map.of("team", "search"), false);
    }

    static void assertChatCompletionsSettings(JsonNode body) {
        assertThat(body.path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(body.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(body.path("stop").toString()).isEqualTo("[\"END\",\"STOP\"]");
        assertThat(body.path("seed").asLong()).isEqualTo(42);
        assertThat(body.path("presence_penalty").asDouble()).isEqualTo(0.5);
        assertThat(body.path("frequency_penalty").asDouble()).isEqualTo(-0.5);
        assertThat(body.path("reasoning_effort").asText()).isEqualTo("low");
        assertThat(body.path("tool_choice").toString())
                .isEqualTo("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}");
        assertThat(body.path("parallel_tool_calls").isBoolean()).isTrue();
        assertThat(body.path("parallel_tool_calls").asBoolean()).isFalse();
        assertThat(body.path("user").asText()).isEqualTo("user-7");
        // metadata stays here: OpenAI takes it only with store: true, which would keep the conversation at OpenAI
        assertThat(body.has("metadata")).isFalse();
    }

    @Override
    protected void assertImage(JsonNode body) {
        assertChatCompletionsImage(body);
    }

    static void assertChatCompletionsImage(JsonNode body) {
        JsonNode content = body.path("messages").get(0).path("content");
        assertThat(content).hasSize(3);
        assertThat(content.get(0).toString()).isEqualTo("{\"type\":\"text\",\"text\":\"What is in this picture?\"}");
        assertThat(content.get(1).path("type").asText()).isEqualTo("image_url");
        assertThat(content.get(1).path("image_url").path("url").asText()).isEqualTo("data:image/png;base64," + PIXEL);
        assertThat(content.get(2).path("text").asText()).isEqualTo("scenario:plain");
    }

    @Test
    void logProbabilitiesComeWithTheTextTheyAreFor() {
        GenerationSettings asked = new GenerationSettings(null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, false, true, 2);
        Outcome outcome = run("logprobs", asked);
        assertThat(outcome.failure()).isNull();
        List<ProviderEvent.TextDelta> texts = outcome.events().stream()
                .filter(e -> e instanceof ProviderEvent.TextDelta).map(e -> (ProviderEvent.TextDelta) e).toList();
        assertThat(texts).extracting(ProviderEvent.TextDelta::text).containsExactly("Hello", "!");
        assertThat(Json.read(texts.get(0).logprobs()).get(0).path("top_logprobs").get(1).path("token").asText())
                .isEqualTo("Hi");
        assertThat(sent("logprobs").path("logprobs").asBoolean()).isTrue();
        assertThat(sent("logprobs").path("top_logprobs").asInt()).isEqualTo(2);
    }
}

package io.switchboard.gateway.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.gateway.provider.AbstractProviderConformanceTest;
import io.switchboard.gateway.provider.FakeVendor;
import io.switchboard.gateway.provider.ProviderEvent;

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
}

package io.switchboard.gateway.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.gateway.provider.AbstractProviderConformanceTest;
import io.switchboard.gateway.provider.FakeVendor;
import io.switchboard.gateway.provider.ProviderEvent;
import org.junit.jupiter.api.Test;

/** A vLLM-style server: {@code reasoning_content}, a usage chunk with {@code choices: null}, its own error bodies. */
class OpenAiCompatibleConformanceTest extends AbstractProviderConformanceTest {

    @Override
    protected String vendor() {
        return "openai-compatible";
    }

    @Override
    protected String providerKind() {
        return "openai-compatible";
    }

    @Override
    protected String baseUrl(int port) {
        return "http://127.0.0.1:" + port + "/v1";
    }

    @Override
    protected ProviderEvent.Usage plainUsage() {
        return new ProviderEvent.Usage(12, 6, 0);
    }

    @Override
    protected void assertRequest(FakeVendor.Recorded request, JsonNode body) {
        OpenAiConformanceTest.assertChatCompletionsRequest(request, body);
    }

    @Test
    void reasoningIsKeptApartFromTheAnswer() {
        assertReasoning("reasoning", "The user greets me. Greet back.");
    }

    @Override
    protected GenerationSettings takenSettings() {
        return OpenAiConformanceTest.chatCompletionsSettings(40);
    }

    @Override
    protected void assertSettings(JsonNode body) {
        OpenAiConformanceTest.assertChatCompletionsSettings(body);
        assertThat(body.path("top_k").asInt()).isEqualTo(40); // vLLM and llama.cpp sample with it
    }

    @Override
    protected GenerationSettings untakenSetting() {
        return new GenerationSettings(null, null, null, null, null, null, null, null, null, 2048, null, null, null,
                null, false);
    }

    @Override
    protected String untakenName() {
        return "thinking_budget";
    }

    @Override
    protected void assertImage(JsonNode body) {
        OpenAiConformanceTest.assertChatCompletionsImage(body);
    }
}

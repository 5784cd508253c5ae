package io.switchboard.gateway.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
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
}

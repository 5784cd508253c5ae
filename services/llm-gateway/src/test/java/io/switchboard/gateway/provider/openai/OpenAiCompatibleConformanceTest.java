package io.switchboard.gateway.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ContentPart;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.provider.AbstractProviderConformanceTest;
import io.switchboard.gateway.provider.FakeVendor;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException;
import java.util.List;
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
        assertThat(body.path("max_tokens").asInt()).isEqualTo(50); // what servers that speak the format all know
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

    /** vLLM and its kind fetch an image's URL themselves, from inside the operator's network: inline only. */
    @Test
    void anImageByUrlIsRefusedBeforeItReachesAServerThatWouldFetchIt() {
        ProviderException refused = run(LlmRequest.of("r-url", null, null, "alias", List.of(ChatMessage.user(List.of(
                ContentPart.text("scenario:plain"), ContentPart.imageAt("http://10.0.0.5/internal.png")))), List.of()))
                .failure();
        assertThat(refused.kind()).isEqualTo(ProviderException.Kind.INVALID_REQUEST);
        assertThat(refused.getMessage()).contains("from inside your network");
    }
}

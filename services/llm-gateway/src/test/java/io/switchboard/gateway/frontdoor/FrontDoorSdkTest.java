package io.switchboard.gateway.frontdoor;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.errors.NotFoundException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The official OpenAI and Anthropic Java SDKs, unmodified, against the gateway's front doors and the sim model. */
@QuarkusTest
class FrontDoorSdkTest {
    @TestHTTPResource("/")
    URL root;

    private OpenAIClient openai() {
        return OpenAIOkHttpClient.builder().baseUrl(root + "v1").apiKey(io.switchboard.gateway.TestKeys.unlimited()).maxRetries(0).build();
    }

    private AnthropicClient anthropic() {
        String base = root.toString();
        return AnthropicOkHttpClient.builder().baseUrl(base.substring(0, base.length() - 1)).apiKey(io.switchboard.gateway.TestKeys.unlimited())
                .maxRetries(0).build();
    }

    @Test
    void openAiSdkListsModelsAndGetsACompletion() {
        OpenAIClient client = openai();
        assertThat(client.models().list().data()).anyMatch(m -> m.id().equals("sim"));
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("sim").addUserMessage("hello gateway").build());
        assertThat(completion.choices().get(0).message().content()).hasValueSatisfying(
                text -> assertThat(text).startsWith("You said: \u201chello gateway\u201d."));
        assertThat(completion.usage()).hasValueSatisfying(u -> assertThat(u.promptTokens()).isEqualTo(2));
    }

    @Test
    void openAiSdkStreamsAToolCallThenTheAnswer() {
        OpenAIClient client = openai();
        ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder().model("sim")
                .addUserMessage("What time is it?")
                .addFunctionTool(FunctionDefinition.builder().name("clock").description("The current time")
                        .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                                .build()).build());
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (var stream = client.chat().completions().createStreaming(params.build())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        ChatCompletion first = accumulator.chatCompletion();
        List<ChatCompletionMessageToolCall> calls = first.choices().get(0).message().toolCalls().orElseThrow();
        assertThat(calls).singleElement().satisfies(call -> {
            assertThat(call.asFunction().function().name()).isEqualTo("clock");
            assertThat(call.asFunction().id()).isNotBlank();
        });
        assertThat(first.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);

        // the tool result goes back, and the answer streams token by token
        params.addMessage(first.choices().get(0).message())
                .addMessage(com.openai.models.chat.completions.ChatCompletionToolMessageParam.builder()
                        .toolCallId(calls.get(0).asFunction().id()).content("12:00").build());
        List<String> deltas;
        try (var stream = client.chat().completions().createStreaming(params.build())) {
            deltas = stream.stream().flatMap(chunk -> chunk.choices().stream())
                    .map(choice -> choice.delta().content().orElse("")).filter(s -> !s.isEmpty()).toList();
        }
        assertThat(deltas).hasSizeGreaterThan(2);
        assertThat(String.join("", deltas)).isEqualTo("The tool says: 12:00.");
    }

    @Test
    void openAiSdkSeesAnUnknownModelAs404() {
        assertThatThrownBy(() -> openai().chat().completions().create(ChatCompletionCreateParams.builder()
                .model("no-such-model").addUserMessage("hi").build())).isInstanceOf(NotFoundException.class);
    }

    @Test
    void anthropicSdkStreamsAToolUseThenTheAnswer() {
        AnthropicClient client = anthropic();
        Tool clock = Tool.builder().name("clock").description("The current time")
                .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of()).convert(
                        Tool.InputSchema.Properties.class)).build()).build();
        MessageCreateParams.Builder params = MessageCreateParams.builder().model("sim").maxTokens(256)
                .addUserMessage("What time is it?").addTool(clock);
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params.build())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        Message first = accumulator.message();
        assertThat(first.stopReason()).contains(StopReason.TOOL_USE);
        ContentBlock toolUse = first.content().stream().filter(ContentBlock::isToolUse).findFirst().orElseThrow();
        assertThat(toolUse.asToolUse().name()).isEqualTo("clock");

        params.addMessage(first).addUserMessageOfContentBlockParams(List.of(com.anthropic.models.messages.ContentBlockParam
                .ofToolResult(com.anthropic.models.messages.ToolResultBlockParam.builder()
                        .toolUseId(toolUse.asToolUse().id()).content("12:00").build())));
        Message answer = client.messages().create(params.build());
        assertThat(answer.content().stream().filter(ContentBlock::isText).map(b -> b.asText().text())
                .collect(Collectors.joining())).isEqualTo("The tool says: 12:00.");
        assertThat(answer.stopReason()).contains(StopReason.END_TURN);
    }

    @Test
    void anthropicSdkCountsTokensWithTheRuntimesCounter() {
        io.switchboard.tokens.TokenCounter counter = new io.switchboard.tokens.TokenCounter();
        long bare = anthropic().messages().countTokens(com.anthropic.models.messages.MessageCountTokensParams
                .builder().model("sim").addUserMessage("How many tokens is this?").build()).inputTokens();
        assertThat(bare).isEqualTo(counter.count("How many tokens is this?") + io.switchboard.tokens.TokenCounter.PER_MESSAGE);
        long more = anthropic().messages().countTokens(com.anthropic.models.messages.MessageCountTokensParams
                .builder().model("sim").system("Be brief.").addUserMessage("How many tokens is this?")
                .addTool(Tool.builder().name("clock").description("The current time").inputSchema(
                        Tool.InputSchema.builder().build()).build()).build()).inputTokens();
        assertThat(more).isGreaterThan(bare + counter.count("Be brief."));
        assertThatThrownBy(() -> anthropic().messages().countTokens(com.anthropic.models.messages
                .MessageCountTokensParams.builder().model("no-such-model").addUserMessage("hi").build()))
                .isInstanceOf(com.anthropic.errors.NotFoundException.class);
    }

    @Test
    void badRequestsGetTheDoorsOwnErrorShape() {
        given().header("Authorization", "Bearer " + io.switchboard.gateway.TestKeys.unlimited())
                .contentType(ContentType.JSON).body("{\"model\":\"sim\"}").post("/v1/chat/completions")
                .then().statusCode(400).body("error.type", equalTo("invalid_request_error"));
        given().header("x-api-key", io.switchboard.gateway.TestKeys.unlimited())
                .contentType(ContentType.JSON).body("{\"model\":\"sim\",\"max_tokens\":5,\"messages\":[{\"role\":"
                        + "\"wizard\",\"content\":\"hi\"}]}").post("/v1/messages")
                .then().statusCode(400).body("type", equalTo("error")).body("error.type", equalTo("invalid_request_error"));
        given().header("Authorization", "Bearer " + io.switchboard.gateway.TestKeys.unlimited())
                .contentType(ContentType.JSON).body("not json").post("/v1/chat/completions").then().statusCode(400);
    }
}

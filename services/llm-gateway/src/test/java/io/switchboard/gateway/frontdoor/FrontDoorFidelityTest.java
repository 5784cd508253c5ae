package io.switchboard.gateway.frontdoor;

import static io.restassured.RestAssured.given;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Base64ImageSource;
import com.anthropic.models.messages.Base64PdfSource;
import com.anthropic.models.messages.CacheControlEphemeral;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.DocumentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.Metadata;
import com.anthropic.models.messages.OutputConfig;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.TextBlockParam;
import com.anthropic.models.messages.ThinkingConfigEnabled;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceTool;
import com.anthropic.models.messages.UrlPdfSource;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.ReasoningEffort;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartInputAudio;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.gateway.TestKeys;
import io.switchboard.gateway.provider.FakeVendor;
import io.switchboard.gateway.provider.Json;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a client sends reaches the model: the official SDKs send generation settings, images and documents through each
 * front door to deployments on wire-exact fakes of OpenAI and Anthropic, and the fakes receive them in their own terms.
 */
@QuarkusTest
class FrontDoorFidelityTest {
    @TestHTTPResource("/")
    URL root;

    @Inject
    io.vertx.mutiny.core.Vertx vertx;

    @Inject
    Pool pool;

    private FakeVendor openAiVendor;
    private FakeVendor anthropicVendor;

    @BeforeEach
    void startVendors() throws Exception {
        openAiVendor = new FakeVendor(vertx.getDelegate(), "openai");
        anthropicVendor = new FakeVendor(vertx.getDelegate(), "anthropic");
        deploy("settings-openai", "openai", "http://127.0.0.1:" + openAiVendor.port() + "/v1");
        deploy("settings-anthropic", "anthropic", "http://127.0.0.1:" + anthropicVendor.port());
    }

    @AfterEach
    void stopVendors() throws Exception {
        openAiVendor.close();
        anthropicVendor.close();
    }

    private static void deploy(String name, String provider, String baseUrl) {
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", provider, "baseUrl", baseUrl,
                "model", "upstream-model", "apiKey", "sk-test")).put("/api/deployments/" + name).then()
                .statusCode(200);
    }

    private OpenAIClient openai() {
        return OpenAIOkHttpClient.builder().baseUrl(root + "v1").apiKey(TestKeys.unlimited()).maxRetries(0).build();
    }

    private AnthropicClient anthropic() {
        String base = root.toString();
        return AnthropicOkHttpClient.builder().baseUrl(base.substring(0, base.length() - 1))
                .apiKey(TestKeys.unlimited()).maxRetries(0).build();
    }

    private ChatCompletionCreateParams.Builder openAiParams(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("scenario:plain")
                .addFunctionTool(FunctionDefinition.builder().name("get_weather").description("Weather")
                        .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                                .build()).build())
                .temperature(0.3).topP(0.9).maxCompletionTokens(50).stopOfStrings(List.of("END", "STOP"))
                .parallelToolCalls(false).user("user-7");
    }

    @Test
    void theOpenAiSdksSettingsReachAnOpenAiDeployment() {
        openai().chat().completions().create(openAiParams("settings-openai").seed(42).presencePenalty(0.5)
                .frequencyPenalty(-0.5).reasoningEffort(ReasoningEffort.LOW)
                .toolChoice(ChatCompletionToolChoiceOption.ofNamedToolChoice(ChatCompletionNamedToolChoice.builder()
                        .function(ChatCompletionNamedToolChoice.Function.builder().name("get_weather").build())
                        .build()))
                .metadata(ChatCompletionCreateParams.Metadata.builder().putAdditionalProperty("team", JsonValue.from("search"))
                        .build()).build());
        JsonNode sent = Json.read(openAiVendor.lastRequest("plain").body());
        assertThat(sent.path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(sent.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(sent.path("max_completion_tokens").asInt()).isEqualTo(50);
        assertThat(sent.path("stop").toString()).isEqualTo("[\"END\",\"STOP\"]");
        assertThat(sent.path("seed").asLong()).isEqualTo(42);
        assertThat(sent.path("presence_penalty").asDouble()).isEqualTo(0.5);
        assertThat(sent.path("frequency_penalty").asDouble()).isEqualTo(-0.5);
        assertThat(sent.path("reasoning_effort").asText()).isEqualTo("low");
        assertThat(sent.path("tool_choice").path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(sent.path("parallel_tool_calls").asBoolean(true)).isFalse();
        assertThat(sent.path("user").asText()).isEqualTo("user-7");
        assertThat(sent.has("metadata")).isFalse(); // OpenAI takes it only with store: true
    }

    /** The chunks of one streamed answer, as the SDK read them. */
    private List<ChatCompletionChunk> streamed(ChatCompletionCreateParams params) {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (var stream = openai().chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunks::add);
        }
        return chunks;
    }

    @Test
    void theOpenAiSdkStreamsAnOpenAiDeploymentsOwnChunksAndTheCallIsMeteredAllTheSame() {
        ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder().model("settings-openai")
                .addUserMessage("scenario:tools");
        List<ChatCompletionChunk> chunks = streamed(params.build());
        // as the deployment sent them: its id, its model's name, the tool calls in fragments
        assertThat(chunks).hasSize(6).allSatisfy(chunk -> {
            assertThat(chunk.id()).isEqualTo("chatcmpl-AbC2");
            assertThat(chunk.model()).isEqualTo("gpt-4o-mini-2024-07-18");
            assertThat(chunk.usage()).isEmpty(); // not asked for
        });
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        chunks.forEach(accumulator::accumulate);
        ChatCompletion answer = accumulator.chatCompletion();
        assertThat(answer.choices().get(0).message().toolCalls().orElseThrow())
                .extracting(call -> call.asFunction().function().name() + call.asFunction().function().arguments())
                .containsExactly("get_weather{\"city\": \"Paris\"}", "get_time{\"tz\": \"Europe/Paris\"}");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Row call = pool.preparedQuery("select status, input_tokens, output_tokens from gateway.llm_calls"
                    + " where model = $1 order by id desc limit 1").execute(Tuple.of("settings-openai")).await()
                    .atMost(Duration.ofSeconds(5)).iterator().next();
            assertThat(call.getString("status")).isEqualTo("ok");
            assertThat(call.getInteger("input_tokens")).isEqualTo(12);
            assertThat(call.getInteger("output_tokens")).isEqualTo(6);
        });

        List<ChatCompletionChunk> withUsage = streamed(params.streamOptions(ChatCompletionStreamOptions.builder()
                .includeUsage(true).build()).build());
        assertThat(withUsage).hasSize(7);
        assertThat(withUsage.get(6).usage()).hasValueSatisfying(u -> assertThat(u.promptTokens()).isEqualTo(12));
    }

    @Test
    void aStreamCutBeforeItsFirstTokenIsTriedAgainThoughItsChunksWouldPassThrough() {
        // its role chunk is held with the chunks that gave no token: the attempt had not started for the router
        deploy("cut-openai", "openai", "http://127.0.0.1:" + openAiVendor.port() + "/v1");
        given().header("Authorization", "Bearer " + TestKeys.unlimited()).contentType(ContentType.JSON)
                .body(Map.of("model", "cut-openai", "stream", true,
                        "messages", List.of(Map.of("role", "user", "content", "scenario:role-then-cut"))))
                .post("/v1/chat/completions").then().statusCode(502); // a proper HTTP error, not a 200 cut short
        assertThat(openAiVendor.requests("role-then-cut")).isEqualTo(3); // the first try and the deployment's 2 more
    }

    @Test
    void theOpenAiSdksSettingsReachAnAnthropicDeploymentInAnthropicsTerms() {
        openai().chat().completions().create(openAiParams("settings-anthropic")
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).build());
        JsonNode sent = Json.read(anthropicVendor.lastRequest("plain").body());
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(50);
        assertThat(sent.path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(sent.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(sent.path("stop_sequences").toString()).isEqualTo("[\"END\",\"STOP\"]");
        assertThat(sent.path("tool_choice").toString()).isEqualTo("{\"type\":\"any\",\"disable_parallel_tool_use\":true}");
        assertThat(sent.path("metadata").path("user_id").asText()).isEqualTo("user-7");
    }

    @Test
    void theAnthropicSdksSettingsReachAnAnthropicDeployment() {
        // this SDK's builder has no sampling settings any more; clients of older models still send them
        anthropic().messages().create(MessageCreateParams.builder().model("settings-anthropic").maxTokens(2048)
                .addUserMessage("scenario:plain").putAdditionalBodyProperty("temperature", com.anthropic.core.JsonValue.from(0.3))
                .putAdditionalBodyProperty("top_p", com.anthropic.core.JsonValue.from(0.9))
                .putAdditionalBodyProperty("top_k", com.anthropic.core.JsonValue.from(40)).stopSequences(List.of("END"))
                .thinking(ThinkingConfigEnabled.builder().budgetTokens(1024).build())
                .outputConfig(OutputConfig.builder().effort(OutputConfig.Effort.HIGH).build())
                .addTool(Tool.builder().name("get_weather").inputSchema(Tool.InputSchema.builder().build()).build())
                .toolChoice(ToolChoiceTool.builder().name("get_weather").build())
                .metadata(Metadata.builder().userId("user-7").build()).build());
        JsonNode sent = Json.read(anthropicVendor.lastRequest("plain").body());
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(2048);
        assertThat(sent.path("temperature").asDouble()).isEqualTo(0.3);
        assertThat(sent.path("top_p").asDouble()).isEqualTo(0.9);
        assertThat(sent.path("top_k").asInt()).isEqualTo(40);
        assertThat(sent.path("stop_sequences").toString()).isEqualTo("[\"END\"]");
        assertThat(sent.path("thinking").toString()).isEqualTo("{\"type\":\"enabled\",\"budget_tokens\":1024}");
        assertThat(sent.path("output_config").path("effort").asText()).isEqualTo("high");
        assertThat(sent.path("tool_choice").toString()).isEqualTo("{\"type\":\"tool\",\"name\":\"get_weather\"}");
        assertThat(sent.path("metadata").path("user_id").asText()).isEqualTo("user-7");
    }

    @Test
    void aSettingTheDeploymentCannotHonourIsA400NamingItUnlessTheClientSaysToDropIt() {
        // top_k from the Anthropic SDK, to an OpenAI deployment
        assertThatThrownBy(() -> anthropic().messages().create(MessageCreateParams.builder()
                .model("settings-openai").maxTokens(64).addUserMessage("scenario:plain")
                .putAdditionalBodyProperty("top_k", com.anthropic.core.JsonValue.from(40)).build()))
                .isInstanceOf(com.anthropic.errors.BadRequestException.class).hasMessageContaining("top_k");
        assertThat(openAiVendor.requests("plain")).isZero();
        // seed to Anthropic, then the same with LiteLLM's drop_params
        assertThatThrownBy(() -> openai().chat().completions().create(openAiParams("settings-anthropic").seed(42)
                .build())).isInstanceOf(BadRequestException.class).hasMessageContaining("seed");
        openai().chat().completions().create(openAiParams("settings-anthropic").seed(42)
                .putAdditionalBodyProperty("drop_params", JsonValue.from(true)).build());
        assertThat(anthropicVendor.lastRequest("plain").body()).doesNotContain("seed").contains("\"temperature\":0.3");
        // the call says what it went without
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(asAdmin().get("/api/usage/calls")
                .then().statusCode(200).extract().<List<String>>path("droppedSettings")).contains("seed"));
    }

    /** With thinking on, Anthropic wants the signed thinking of the turn back with the conversation that follows it. */
    @Test
    void signedThinkingGoesBackToAnthropicWithTheConversation() {
        MessageCreateParams.Builder params = MessageCreateParams.builder().model("settings-anthropic").maxTokens(4096)
                .thinking(ThinkingConfigEnabled.builder().budgetTokens(1024).build()).addUserMessage("scenario:reasoning");
        Message first = anthropic().messages().create(params.build());
        ContentBlock thinking = first.content().get(0);
        assertThat(thinking.isThinking()).isTrue();
        assertThat(thinking.asThinking().thinking()).isEqualTo("The user greets me. Greet back.");
        assertThat(thinking.asThinking().signature()).isEqualTo("EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds");

        MessageAccumulator streamed = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = anthropic().messages().createStreaming(params.build())) {
            stream.stream().forEach(streamed::accumulate);
        }
        assertThat(streamed.message().content().get(0).asThinking().signature()).isEqualTo(
                thinking.asThinking().signature());

        anthropic().messages().create(params.addMessage(first).addUserMessage("scenario:plain").build());
        // the fake answers by the first scenario it reads: this conversation's is still "reasoning"
        JsonNode assistant = Json.read(anthropicVendor.lastRequest("reasoning").body()).path("messages").get(1);
        assertThat(assistant.path("role").asText()).isEqualTo("assistant");
        assertThat(assistant.path("content").get(0).toString()).isEqualTo("{\"type\":\"thinking\",\"thinking\":"
                + "\"The user greets me. Greet back.\",\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds\"}");
    }

    @Test
    void promptCacheBreakpointsReachAnthropicWhereTheClientPutThem() {
        CacheControlEphemeral ephemeral = CacheControlEphemeral.builder().build();
        anthropic().messages().create(MessageCreateParams.builder().model("settings-anthropic").maxTokens(64)
                .systemOfTextBlockParams(List.of(
                        TextBlockParam.builder().text("A long, stable instruction.").cacheControl(ephemeral).build(),
                        TextBlockParam.builder().text("Today's note.").build()))
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofText(TextBlockParam.builder()
                        .text("A long document to ask about.").cacheControl(ephemeral).build())))
                .addAssistantMessage("Understood.").addUserMessage("scenario:plain").build());
        JsonNode sent = Json.read(anthropicVendor.lastRequest("plain").body());
        assertThat(sent.path("system").toString()).isEqualTo("[{\"type\":\"text\",\"text\":\"A long, stable"
                + " instruction.\",\"cache_control\":{\"type\":\"ephemeral\"}},{\"type\":\"text\",\"text\":"
                + "\"Today's note.\"}]");
        assertThat(sent.path("messages").get(0).path("content").get(0).path("cache_control").path("type").asText())
                .isEqualTo("ephemeral");
        assertThat(sent.path("messages").get(2).toString()).doesNotContain("cache_control");

        // from the OpenAI door, as LiteLLM takes it: cache_control on a content part
        given().header("Authorization", "Bearer " + TestKeys.unlimited()).contentType(ContentType.JSON)
                .body("{\"model\":\"settings-anthropic\",\"messages\":[{\"role\":\"system\",\"content\":[{\"type\":"
                        + "\"text\",\"text\":\"Stable.\",\"cache_control\":{\"type\":\"ephemeral\"}}]},"
                        + "{\"role\":\"user\",\"content\":\"scenario:plain\"}]}")
                .post("/v1/chat/completions").then().statusCode(200);
        assertThat(Json.read(anthropicVendor.lastRequest("plain").body()).path("system").toString()).isEqualTo(
                "[{\"type\":\"text\",\"text\":\"Stable.\",\"cache_control\":{\"type\":\"ephemeral\"}}]");
    }

    /** Some OpenAI-compatible servers send no usage: the call's tokens are estimated from its text, and say so. */
    @Test
    void aServerThatReportsNoUsageHasItEstimated() throws Exception {
        FakeVendor server = new FakeVendor(vertx.getDelegate(), "openai-compatible");
        try {
            deploy("settings-no-usage", "openai-compatible", "http://127.0.0.1:" + server.port() + "/v1");
            openai().chat().completions().create(ChatCompletionCreateParams.builder().model("settings-no-usage")
                    .addUserMessage("scenario:no-usage, a prompt of some sixty characters or so, roughly").build());
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> asAdmin().get("/api/usage/calls").then()
                    .body("find { it.deployment == 'settings-no-usage' }.usageEstimated",
                            org.hamcrest.Matchers.equalTo(true))
                    // the answer "Hello! How can I help?" is 22 characters: 6 tokens at 4 a token
                    .body("find { it.deployment == 'settings-no-usage' }.outputTokens", org.hamcrest.Matchers.equalTo(6))
                    .body("find { it.deployment == 'settings-no-usage' }.inputTokens",
                            org.hamcrest.Matchers.greaterThan(15)));
        } finally {
            server.close();
        }
    }

    @Test
    void aCallOnAModelWithoutAPriceIsShownUnpricedNeverFree() {
        openai().chat().completions().create(openAiParams("settings-openai").build()); // "upstream-model": no price
        openai().chat().completions().create(ChatCompletionCreateParams.builder().model("sim").addUserMessage("hi")
                .build()); // priced at nothing
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            // amounts are plain numbers: 0, never 0E-9
            assertThat(asAdmin().queryParam("by", "model").get("/api/usage").asString()).contains("\"key\":\"sim\"")
                    .doesNotContain("E-");
            assertThat(asAdmin().get("/api/usage/calls").asString()).doesNotContain("E-");
            asAdmin().get("/api/usage/calls").then().statusCode(200)
                    .body("find { it.deployment == 'settings-openai' }.inputTokens", org.hamcrest.Matchers.equalTo(12))
                    .body("find { it.deployment == 'settings-openai' }.costUsd", org.hamcrest.Matchers.nullValue());
            asAdmin().queryParam("by", "deployment").get("/api/usage").then().statusCode(200)
                    .body("find { it.key == 'settings-openai' }.unpricedCalls", org.hamcrest.Matchers.greaterThan(0));
        });
    }

    @Test
    void aKeyWithABudgetDoesNotCallAModelWithoutAPrice() {
        String budgeted = TestKeys.create(Map.of("name", "budgeted-" + System.nanoTime(), "budgetUsd", 5));
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(root + "v1").apiKey(budgeted).maxRetries(0).build();
        int before = openAiVendor.requests("plain");
        assertThatThrownBy(() -> client.chat().completions().create(openAiParams("settings-openai").build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("has no price");
        assertThat(openAiVendor.requests("plain")).isEqualTo(before);
        // sim is priced (at nothing), so the same key may use it
        assertThat(client.chat().completions().create(ChatCompletionCreateParams.builder().model("sim")
                .addUserMessage("hi").build()).choices()).hasSize(1);
    }

    @Test
    void aDeploymentCanSayToGoOnWithoutWhatItsVendorCannotHonour() {
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "anthropic", "baseUrl",
                "http://127.0.0.1:" + anthropicVendor.port(), "model", "upstream-model", "apiKey", "sk-test",
                "dropUnsupported", true)).put("/api/deployments/lenient-anthropic").then().statusCode(200)
                .body("dropUnsupported", org.hamcrest.Matchers.equalTo(true));
        openai().chat().completions().create(openAiParams("lenient-anthropic").seed(42).frequencyPenalty(0.5)
                .build());
        assertThat(anthropicVendor.lastRequest("plain").body()).doesNotContain("seed").doesNotContain("penalty");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(asAdmin().get("/api/usage/calls")
                .then().statusCode(200).extract().<List<String>>path("droppedSettings"))
                .contains("seed,frequency_penalty"));
    }

    @Test
    void severalChoicesAndValuesOutOfRangeAreRefusedPlainly() {
        assertThatThrownBy(() -> openai().chat().completions().create(ChatCompletionCreateParams.builder()
                .model("sim").addUserMessage("hi").n(2).build())).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("n: only one choice");
        assertThatThrownBy(() -> openai().chat().completions().create(ChatCompletionCreateParams.builder()
                .model("sim").addUserMessage("hi").temperature(3.0).build())).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("temperature: must be a number from 0 to 2");
        assertThatThrownBy(() -> openai().chat().completions().create(ChatCompletionCreateParams.builder()
                .model("sim").addUserMessage("hi").topLogprobs(3).build())).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("top_logprobs: is taken with logprobs: true only");
    }

    @Test
    void logProbabilitiesComeBackFromAnOpenAiDeploymentStreamedOrNot() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("settings-openai")
                .addUserMessage("scenario:logprobs").logprobs(true).topLogprobs(2).build();
        List<String> tokens;
        try (var stream = openai().chat().completions().createStreaming(params)) {
            tokens = stream.stream().flatMap(chunk -> chunk.choices().stream())
                    .flatMap(choice -> choice.logprobs().flatMap(l -> l.content()).orElse(List.of()).stream())
                    .map(token -> token.token()).toList();
        }
        assertThat(tokens).containsExactly("Hello", "!");
        var whole = openai().chat().completions().create(params).choices().get(0).logprobs().orElseThrow();
        assertThat(whole.content().orElseThrow()).extracting(t -> t.topLogprobs().get(1).token())
                .containsExactly("Hi", ".");
        // Anthropic has none to give: refused by name
        assertThatThrownBy(() -> openai().chat().completions().create(ChatCompletionCreateParams.builder()
                .model("settings-anthropic").addUserMessage("scenario:plain").logprobs(true).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("logprobs");
    }

    private static final String PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

    @Test
    void anImageFromTheOpenAiSdkReachesAnAnthropicDeploymentAsAnImageBlock() {
        openai().chat().completions().create(ChatCompletionCreateParams.builder().model("settings-anthropic")
                .addUserMessageOfArrayOfContentParts(List.of(
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder()
                                .text("scenario:plain").build()),
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder().imageUrl(
                                ChatCompletionContentPartImage.ImageUrl.builder()
                                        .url("data:image/png;base64," + PIXEL).build()).build()),
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder().imageUrl(
                                ChatCompletionContentPartImage.ImageUrl.builder()
                                        .url("https://example.com/cat.jpg").build()).build())))
                .build());
        JsonNode content = Json.read(anthropicVendor.lastRequest("plain").body()).path("messages").get(0)
                .path("content");
        assertThat(content.get(0).path("text").asText()).isEqualTo("scenario:plain");
        assertThat(content.get(1).toString()).isEqualTo("{\"type\":\"image\",\"source\":{\"type\":\"base64\","
                + "\"media_type\":\"image/png\",\"data\":\"" + PIXEL + "\"}}");
        assertThat(content.get(2).toString()).isEqualTo("{\"type\":\"image\",\"source\":{\"type\":\"url\","
                + "\"url\":\"https://example.com/cat.jpg\"}}");
    }

    @Test
    void anImagesDetailReachesOpenAi() {
        openai().chat().completions().create(ChatCompletionCreateParams.builder().model("settings-openai")
                .addUserMessageOfArrayOfContentParts(List.of(
                        ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder()
                                .text("scenario:plain").build()),
                        ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder().imageUrl(
                                ChatCompletionContentPartImage.ImageUrl.builder().url("https://example.com/cat.jpg")
                                        .detail(ChatCompletionContentPartImage.ImageUrl.Detail.LOW).build())
                                .build())))
                .build());
        assertThat(Json.read(openAiVendor.lastRequest("plain").body()).path("messages").get(0).path("content").get(1)
                .toString()).isEqualTo("{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.jpg\","
                + "\"detail\":\"low\"}}");
    }

    @Test
    void anImageAndAPdfFromTheAnthropicSdkReachAnOpenAiDeploymentAsItsParts() {
        anthropic().messages().create(MessageCreateParams.builder().model("settings-openai").maxTokens(64)
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofText("scenario:plain"),
                        ContentBlockParam.ofImage(Base64ImageSource.builder()
                                .mediaType(Base64ImageSource.MediaType.IMAGE_PNG).data(PIXEL).build()),
                        ContentBlockParam.ofDocument(Base64PdfSource.builder().data("JVBERi0xLjQK").build())))
                .build());
        JsonNode content = Json.read(openAiVendor.lastRequest("plain").body()).path("messages").get(0)
                .path("content");
        assertThat(content.get(0).toString()).isEqualTo("{\"type\":\"text\",\"text\":\"scenario:plain\"}");
        assertThat(content.get(1).toString()).isEqualTo("{\"type\":\"image_url\",\"image_url\":{\"url\":"
                + "\"data:image/png;base64," + PIXEL + "\"}}");
        assertThat(content.get(2).toString()).isEqualTo("{\"type\":\"file\",\"file\":{\"filename\":"
                + "\"document.pdf\",\"file_data\":\"data:application/pdf;base64,JVBERi0xLjQK\"}}");
    }

    /** A tool that returns a screenshot, as Claude Code's do: the image goes back to the model with the result. */
    @Test
    void anImageInAToolResultReachesAnthropicInTheResult() {
        anthropic().messages().create(MessageCreateParams.builder().model("settings-anthropic").maxTokens(64)
                .addUserMessage("scenario:plain Take a screenshot")
                .addAssistantMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolUse(
                        com.anthropic.models.messages.ToolUseBlockParam.builder().id("toolu_1").name("screenshot")
                                .input(com.anthropic.core.JsonValue.from(Map.of())).build())))
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(
                        com.anthropic.models.messages.ToolResultBlockParam.builder().toolUseId("toolu_1")
                                .contentOfBlocks(List.of(
                                        com.anthropic.models.messages.ToolResultBlockParam.Content.Block.ofText(
                                                TextBlockParam.builder().text("the screen:").build()),
                                        com.anthropic.models.messages.ToolResultBlockParam.Content.Block.ofImage(
                                                com.anthropic.models.messages.ImageBlockParam.builder().source(
                                                        Base64ImageSource.builder().mediaType(
                                                                Base64ImageSource.MediaType.IMAGE_PNG).data(PIXEL)
                                                                .build()).build()))).build())))
                .build());
        JsonNode result = Json.read(anthropicVendor.lastRequest("plain").body()).path("messages").get(2)
                .path("content").get(0);
        assertThat(result.path("type").asText()).isEqualTo("tool_result");
        assertThat(result.path("content").get(0).path("text").asText()).isEqualTo("the screen:");
        assertThat(result.path("content").get(1).path("source").path("data").asText()).isEqualTo(PIXEL);
    }

    @Test
    void contentTheDoorCannotRelayIsRefusedNotDropped() {
        assertThatThrownBy(() -> openai().chat().completions().create(ChatCompletionCreateParams.builder()
                .model("sim").addUserMessageOfArrayOfContentParts(List.of(ChatCompletionContentPart.ofInputAudio(
                        ChatCompletionContentPartInputAudio.builder().inputAudio(
                                ChatCompletionContentPartInputAudio.InputAudio.builder().data("UklGRg==")
                                        .format(ChatCompletionContentPartInputAudio.InputAudio.Format.WAV).build())
                                .build()))).build()))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("input_audio");
        // a PDF by URL to OpenAI, which takes files inline only
        assertThatThrownBy(() -> anthropic().messages().create(MessageCreateParams.builder().model("settings-openai")
                .maxTokens(64).addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofText("scenario:plain"),
                        ContentBlockParam.ofDocument(DocumentBlockParam.builder()
                                .source(UrlPdfSource.builder().url("https://example.com/a.pdf").build()).build())))
                .build())).isInstanceOf(com.anthropic.errors.BadRequestException.class).hasMessageContaining("inline");
    }
}

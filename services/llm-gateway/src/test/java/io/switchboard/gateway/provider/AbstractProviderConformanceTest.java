package io.switchboard.gateway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ContentPart;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.contracts.llm.ToolSpec;
import io.switchboard.gateway.provider.ProviderException.Kind;
import io.switchboard.gateway.routing.Deployment;
import io.vertx.mutiny.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What every provider adapter must do, proven against a wire-exact fake of its vendor's API: the same scenarios, the
 * same expectations, whatever the wire format. A subclass names its vendor's fixtures and builds its adapter.
 */
public abstract class AbstractProviderConformanceTest {
    protected static final Duration IDLE_TIMEOUT = Duration.ofMillis(800);
    protected static final ProviderEvent.ToolCall WEATHER = new ProviderEvent.ToolCall(null, "get_weather",
            "{\"city\":\"Paris\"}");
    protected static final ProviderEvent.ToolCall TIME = new ProviderEvent.ToolCall(null, "get_time",
            "{\"tz\":\"Europe/Paris\"}");

    private static Vertx vertx;
    private FakeVendor fake;
    private Upstream upstream;

    /** The fixture folder under {@code /wire}. */
    protected abstract String vendor();

    /** The deployment's {@code provider} value. */
    protected abstract String providerKind();

    /** The base URL for a server on {@code port}, as operators would configure it. */
    protected abstract String baseUrl(int port);

    /** The usage the recorded {@code plain} exchange reports: input, output, cached input. */
    protected abstract ProviderEvent.Usage plainUsage();

    /** Checks the vendor request built for the conversation of {@link #requestCarriesTheConversationToolsAndKey}. */
    protected abstract void assertRequest(FakeVendor.Recorded request, JsonNode body);

    /** Every generation setting this vendor takes, sent together ({@link #assertSettings} checks where each lands). */
    protected abstract GenerationSettings takenSettings();

    /** Checks the vendor request carries each of {@link #takenSettings}, under the vendor's own field names. */
    protected abstract void assertSettings(JsonNode body);

    /** Checks the vendor request carries the user message of {@link #anImageReachesTheVendorAsItsOwnImagePart}. */
    protected abstract void assertImage(JsonNode body);

    /** One setting this vendor has no field for. */
    protected abstract GenerationSettings untakenSetting();

    /** The name the refusal of {@link #untakenSetting} gives it, and the field it must not appear as on the wire. */
    protected abstract String untakenName();

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.closeAndAwait();
    }

    @org.junit.jupiter.api.BeforeEach
    void startFake() throws Exception {
        fake = new FakeVendor(vertx.getDelegate(), vendor());
        upstream = new Upstream(vertx, baseUrl(fake.port()), Duration.ofSeconds(1), Duration.ofSeconds(2),
                IDLE_TIMEOUT);
    }

    @org.junit.jupiter.api.AfterEach
    void stopFake() throws Exception {
        upstream.close();
        fake.close();
    }

    @Test
    void plainAnswerStreamsTextThenUsageThenFinish() {
        Outcome outcome = run("plain");
        assertThat(outcome.failure).isNull();
        assertThat(outcome.text()).isEqualTo("Hello! How can I help?");
        assertThat(outcome.events).filteredOn(e -> e instanceof ProviderEvent.Usage).containsExactly(plainUsage());
        assertThat(outcome.events.get(outcome.events.size() - 1)).isEqualTo(new ProviderEvent.Finish("stop"));
        assertThat(outcome.events.stream().filter(e -> e instanceof ProviderEvent.TextDelta).count()).isGreaterThan(1);
    }

    @Test
    void parallelToolCallsArriveWholeWithTheirArguments() {
        Outcome outcome = run("tools");
        assertThat(outcome.failure).isNull();
        List<ProviderEvent.ToolCall> calls = outcome.events.stream().filter(e -> e instanceof ProviderEvent.ToolCall)
                .map(e -> (ProviderEvent.ToolCall) e).toList();
        assertThat(calls).hasSize(2);
        assertThat(calls).extracting(ProviderEvent.ToolCall::id).doesNotContainNull().doesNotHaveDuplicates();
        assertThat(calls).extracting(ProviderEvent.ToolCall::name).containsExactly("get_weather", "get_time");
        assertThat(Json.read(calls.get(0).arguments())).isEqualTo(Json.read(WEATHER.arguments()));
        assertThat(Json.read(calls.get(1).arguments())).isEqualTo(Json.read(TIME.arguments()));
        assertThat(outcome.events.get(outcome.events.size() - 1)).isEqualTo(new ProviderEvent.Finish("tool_calls"));
    }

    @Test
    void rateLimitIsRetryableAndCarriesRetryAfter() {
        ProviderException e = run("rate-limit").failure;
        assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED);
        assertThat(e.kind().retryable).isTrue();
        assertThat(e.status()).isEqualTo(429);
        assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void badRequestIsNotRetryable() {
        ProviderException e = run("bad-request").failure;
        assertThat(e.kind()).isEqualTo(Kind.INVALID_REQUEST);
        assertThat(e.kind().retryable).isFalse();
    }

    @Test
    void rejectedCredentialsAreAnAuthenticationFailure() {
        ProviderException e = run("auth").failure;
        assertThat(e.kind()).isEqualTo(Kind.AUTHENTICATION);
        assertThat(e.getMessage()).doesNotContain("secret-test-key");
    }

    @Test
    void serverErrorIsRetryable() {
        ProviderException e = run("server-error").failure;
        assertThat(e.kind().retryable).isTrue();
        assertThat(e.kind()).isIn(Kind.SERVER_ERROR, Kind.OVERLOADED);
    }

    @Test
    void contextLengthIsItsOwnNonRetryableKind() {
        ProviderException e = run("context-length").failure;
        assertThat(e.kind()).isEqualTo(Kind.CONTEXT_LENGTH_EXCEEDED);
        assertThat(e.kind().retryable).isFalse();
    }

    @Test
    void anErrorMidStreamFailsTheStreamAfterTheTextBeforeIt() {
        Outcome outcome = run("error-mid-stream");
        assertThat(outcome.text()).isEqualTo("Hello");
        assertThat(outcome.failure).isNotNull();
        assertThat(outcome.failure.kind().retryable).isTrue();
        assertThat(outcome.events).noneMatch(e -> e instanceof ProviderEvent.Finish);
    }

    @Test
    void aConnectionCutMidStreamIsAnInterruptionNotAnEnd() {
        Outcome outcome = run("cut");
        assertThat(outcome.text()).isEqualTo("Hello");
        assertThat(outcome.failure.kind()).isEqualTo(Kind.STREAM_INTERRUPTED);
        assertThat(outcome.events).noneMatch(e -> e instanceof ProviderEvent.Finish);
    }

    @Test
    void aStalledStreamTimesOutAtTheIdleTimeout() {
        long start = System.nanoTime();
        Outcome outcome = run("stall");
        long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertThat(outcome.text()).isEqualTo("Hello");
        assertThat(outcome.failure.kind()).isEqualTo(Kind.TIMEOUT);
        assertThat(elapsed).isBetween(IDLE_TIMEOUT.toMillis(), IDLE_TIMEOUT.toMillis() + 3000);
    }

    @Test
    void aSlowDripWithinTheIdleTimeoutCompletes() {
        Outcome outcome = run("drip");
        assertThat(outcome.failure).isNull();
        assertThat(outcome.text()).isEqualTo("Hello! How can I help?");
        assertThat(outcome.events.get(outcome.events.size() - 1)).isEqualTo(new ProviderEvent.Finish("stop"));
    }

    @Test
    void anUnreachableProviderIsAConnectionFailure() throws Exception {
        int closedPort = fake.port();
        fake.close();
        ProviderException e = run("plain").failure;
        assertThat(e.kind()).isEqualTo(Kind.CONNECTION_FAILED);
        assertThat(closedPort).isPositive();
    }

    @Test
    void requestCarriesTheConversationToolsAndKey() {
        LlmRequest request = LlmRequest.of("r-1", "s-1", "t-1", "alias", List.of(
                ChatMessage.system("Be brief."),
                ChatMessage.user("What is the weather in Paris?"),
                ChatMessage.assistant("", List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))),
                ChatMessage.toolResult("call_1", "18C and sunny"),
                ChatMessage.user("scenario:plain")),
                List.of(new ToolSpec("get_weather", "Weather for a city", Map.of("type", "object",
                        "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city")))))
                .withResponseFormat(Map.of("type", "json_schema", "json_schema", Map.of("name", "answer",
                        "schema", Map.of("type", "object"))));
        assertThat(run(request).failure).isNull();
        FakeVendor.Recorded recorded = fake.lastRequest("plain");
        assertRequest(recorded, Json.read(recorded.body()));
    }

    @Test
    void everySettingTheVendorTakesReachesItMapped() {
        assertThat(run(plain().withSettings(takenSettings())).failure).isNull();
        assertSettings(Json.read(fake.lastRequest("plain").body()));
    }

    @Test
    void aSettingTheVendorCannotHonourIsRefusedByNameBeforeItGoesOutUnlessDropped() {
        ProviderException refused = run(plain().withSettings(untakenSetting())).failure;
        assertThat(refused.kind()).isEqualTo(Kind.INVALID_REQUEST);
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.getMessage()).contains(untakenName()).contains("drop_params");
        assertThat(fake.requests("plain")).isZero();

        GenerationSettings s = untakenSetting();
        GenerationSettings dropping = new GenerationSettings(s.temperature(), s.topP(), s.topK(), s.maxOutputTokens(),
                s.stop(), s.seed(), s.presencePenalty(), s.frequencyPenalty(), s.reasoningEffort(), s.thinkingBudget(),
                s.toolChoice(), s.parallelToolCalls(), s.user(), s.metadata(), true);
        assertThat(run(plain().withSettings(dropping)).failure).isNull();
        assertThat(fake.lastRequest("plain").body()).doesNotContain("\"" + untakenName() + "\"");
    }

    /** Vendors refuse a tool choice without tools; an agent or client may well leave its choice on with none. */
    @Test
    void toolSettingsAreLeftOutWhenNoToolIsOffered() {
        GenerationSettings toolish = new GenerationSettings(null, null, null, null, null, null, null, null, null,
                null, GenerationSettings.ToolChoice.AUTO, false, null, null, true);
        assertThat(run("plain", toolish).failure()).isNull();
        assertThat(sent("plain").has("tool_choice")).isFalse();
        assertThat(sent("plain").has("parallel_tool_calls")).isFalse();
    }

    /** A small PNG, base64. */
    protected static final String PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

    @Test
    void anImageReachesTheVendorAsItsOwnImagePart() {
        LlmRequest request = LlmRequest.of("r-image", null, null, "alias", List.of(ChatMessage.user(List.of(
                ContentPart.text("What is in this picture?"), ContentPart.image("image/png", PIXEL),
                ContentPart.text("scenario:plain")))), List.of());
        assertThat(run(request).failure).isNull();
        assertImage(Json.read(fake.lastRequest("plain").body()));
    }

    /** Whether the vendor has an embeddings API. */
    protected boolean embeds() {
        return true;
    }

    /** The path embeddings are posted to. */
    protected String embeddingsPath() {
        return "/v1/embeddings";
    }

    @Test
    void embeddingsComeBackOnePerInputInOrderWithTheirUsage() {
        ChatProvider provider = io.switchboard.gateway.routing.ProviderAdapters.adapter(deployment(), upstream);
        List<ProviderEvent> events = new ArrayList<>();
        ProviderException failure = null;
        try {
            events.addAll(provider.embed(new ChatProvider.EmbeddingRequest(List.of("scenario:embed first",
                    "the second"), 3)).collect().asList().await().atMost(Duration.ofSeconds(10)));
        } catch (ProviderException e) {
            failure = e;
        }
        if (!embeds()) {
            assertThat(failure.kind()).isEqualTo(Kind.INVALID_REQUEST);
            assertThat(failure.getMessage()).contains("no embeddings API");
            return;
        }
        assertThat(failure).isNull();
        List<float[]> vectors = ((ProviderEvent.Embeddings) events.get(0)).vectors();
        assertThat(vectors).hasSize(2);
        assertThat(vectors.get(0)).containsExactly(0.0023064255f, -0.009327292f, 0.015797347f);
        assertThat(vectors.get(1)).containsExactly(-0.0028842222f, 0.0108394f, -0.0055123f);
        assertThat(events.subList(1, 3)).containsExactly(new ProviderEvent.Usage(8, 0, 0),
                new ProviderEvent.Finish("stop"));
        FakeVendor.Recorded sent = fake.lastRequest("embed");
        assertThat(sent.path()).isEqualTo(embeddingsPath());
        JsonNode body = Json.read(sent.body());
        assertThat(body.path("model").asText()).isEqualTo("upstream-model");
        assertThat(body.path("input").toString()).isEqualTo("[\"scenario:embed first\",\"the second\"]");
        assertThat(body.path("dimensions").asInt()).isEqualTo(3);
    }

    // ---- helpers

    private static LlmRequest plain() {
        return LlmRequest.of("r-settings", null, null, "alias", List.of(ChatMessage.user("scenario:plain")), List.of(
                new ToolSpec("get_weather", "Weather for a city", Map.of("type", "object"))));
    }

    /** For vendors that stream reasoning: it arrives as reasoning, in order, and the answer is untouched. */
    protected void assertReasoning(String scenario, String reasoning) {
        Outcome outcome = run(scenario);
        assertThat(outcome.failure).isNull();
        assertThat(outcome.events.stream().filter(e -> e instanceof ProviderEvent.ReasoningDelta)
                .map(e -> ((ProviderEvent.ReasoningDelta) e).text()).collect(Collectors.joining())).isEqualTo(reasoning);
        assertThat(outcome.text()).isEqualTo("Hello! How can I help?");
    }

    protected Deployment deployment() {
        return new Deployment("test", providerKind(), baseUrl(fake.port()), "upstream-model", "secret-test-key", 0,
                Duration.ofSeconds(1), Duration.ofSeconds(2), IDLE_TIMEOUT, 0);
    }

    private Outcome run(String scenario) {
        return run(LlmRequest.of("r-" + scenario, null, null, "alias",
                List.of(ChatMessage.user("scenario:" + scenario)), List.of()));
    }

    /** The scenario's exchange for a request that generates as {@code settings} say. */
    protected Outcome run(String scenario, GenerationSettings settings) {
        return run(LlmRequest.of("r-" + scenario, null, null, "alias",
                List.of(ChatMessage.user("scenario:" + scenario)), List.of()).withSettings(settings));
    }

    /** What the fake received for the scenario, as JSON. */
    protected JsonNode sent(String scenario) {
        return Json.read(fake.lastRequest(scenario).body());
    }

    protected Outcome run(LlmRequest request) {
        ChatProvider provider = io.switchboard.gateway.routing.ProviderAdapters.adapter(deployment(), upstream);
        List<ProviderEvent> events = new ArrayList<>();
        CompletableFuture<ProviderException> done = new CompletableFuture<>();
        provider.stream(request).subscribe().with(events::add,
                failure -> done.complete(failure instanceof ProviderException e ? e
                        : new ProviderException(Kind.SERVER_ERROR, "not classified: " + failure)),
                () -> done.complete(null));
        try {
            return new Outcome(events, done.get(10, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new AssertionError("the stream neither completed nor failed in time; events: " + events, e);
        }
    }

    /** What a stream produced, and how it ended (failure null when it completed). */
    protected record Outcome(List<ProviderEvent> events, ProviderException failure) {
        String text() {
            return events.stream().filter(e -> e instanceof ProviderEvent.TextDelta)
                    .map(e -> ((ProviderEvent.TextDelta) e).text()).collect(Collectors.joining());
        }
    }
}

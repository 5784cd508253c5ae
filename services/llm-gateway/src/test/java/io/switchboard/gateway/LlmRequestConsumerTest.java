package io.switchboard.gateway;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Multi;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;
import io.switchboard.contracts.Topics;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmCancel;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolSpec;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
class LlmRequestConsumerTest {
    private static final ToolSpec CLOCK = new ToolSpec("clock", "the current time", Map.of("type", "object"));

    @Inject
    @Channel("test-llm-requests")
    KafkaRequestReply<LlmRequest, LlmChunk> gateway;

    @Inject
    @Channel("test-llm-cancels")
    Emitter<LlmCancel> cancels;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @BeforeEach
    void replyTopicAssigned() {
        gateway.waitForAssignments().await().atMost(Duration.ofSeconds(30));
    }

    /** Requests come in batches (a poll's records), and an unreadable one is dead-lettered on its own. */
    @Test
    void anUnreadableRequestGoesToTheDeadLetterTopicAndTheRestAreServed() throws Exception {
        String key = "unreadable-" + UUID.randomUUID();
        try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.LLM_REQUESTS, key, "{not a request")).get();
        }
        assertThat(call("sim", "hello there", List.of())).last().isInstanceOf(LlmChunk.Finished.class);
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrap,
                "group.id", "dlq-reader-" + UUID.randomUUID(), "auto.offset.reset", "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.LLM_REQUESTS_DLQ));
            List<String> keys = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> keys.add(r.key()));
                return keys.contains(key);
            });
        }
    }

    @Test
    void streamsTheAnswerInOrderAndEndsWithFinished() {
        List<LlmChunk> chunks = call("sim", "hello there", List.of());
        assertThat(chunks).extracting(LlmChunk::seq).containsExactlyElementsOf(
                IntStream.range(0, chunks.size()).boxed().toList());
        String text = chunks.stream().filter(c -> c instanceof LlmChunk.TextDelta)
                .map(c -> ((LlmChunk.TextDelta) c).text()).collect(Collectors.joining());
        assertThat(text).startsWith("You said: \u201chello there\u201d.");
        // the usage rides on the end, not in a record of its own
        assertThat(chunks).noneMatch(c -> c instanceof LlmChunk.Usage);
        assertThat(chunks.get(chunks.size() - 1)).isInstanceOfSatisfying(LlmChunk.Finished.class, f -> {
            assertThat(f.finishReason()).isEqualTo("stop");
            assertThat(f.usage().inputTokens()).isEqualTo(2);
            // priced where it is served (sim costs nothing; a model without a price would give null)
            assertThat(f.usage().costUsd()).isEqualByComparingTo("0");
            assertThat(f.usage().outputTokens()).isPositive();
        });
    }

    @Test
    void asksForTheClockToolWhenOffered() {
        List<LlmChunk> chunks = call("sim", "what time is it?", List.of(CLOCK));
        assertThat(chunks.get(0)).isInstanceOfSatisfying(LlmChunk.ToolCallRequested.class,
                c -> assertThat(c.call().name()).isEqualTo("clock"));
        assertThat(chunks).hasSize(2);
        assertThat(chunks.get(1)).isInstanceOfSatisfying(LlmChunk.Finished.class, f -> {
            assertThat(f.seq()).isEqualTo(1);
            assertThat(f.finishReason()).isEqualTo("tool_calls");
            assertThat(f.usage().outputTokens()).isEqualTo(1);
        });
    }

    @Test
    void everyChunkNamesTheGatewayProcessThatSentIt() {
        // a request read again by a second replica is answered twice: the requester keeps to one by this header
        List<String> replicas = gateway.requestMulti(Message.of(request("sim", "hello there", List.of())))
                .select().first(reply -> !reply.getPayload().last()).collect().asList()
                .await().atMost(Duration.ofSeconds(30)).stream()
                .map(reply -> reply.getMetadata(IncomingKafkaRecordMetadata.class).orElseThrow().getHeaders()
                        .lastHeader(LlmChunk.REPLICA_HEADER))
                .map(header -> header == null ? "none" : new String(header.value(), StandardCharsets.UTF_8))
                .toList();
        assertThat(replicas).isNotEmpty().doesNotContain("none");
        assertThat(Set.copyOf(replicas)).hasSize(1);
    }

    @Test
    void concurrentStreamsEachGetOnlyTheirOwnChunks() {
        List<String> texts = IntStream.range(0, 20).mapToObj(i -> "message " + i).toList();
        List<List<LlmChunk>> replies = Multi.createFrom().iterable(texts)
                .onItem().transformToUniAndMerge(text -> untilLast(gateway.requestMulti(request("sim", text, List.of())))
                        .collect().asList())
                .collect().asList().await().atMost(Duration.ofSeconds(60));
        assertThat(replies).hasSize(20).allSatisfy(chunks -> {
            assertThat(chunks).extracting(LlmChunk::requestId).containsOnly(chunks.get(0).requestId());
            assertThat(chunks.get(chunks.size() - 1).last()).isTrue();
        });
    }

    @Test
    void aCancelOnLlmCancelsClosesTheCallAndEndsTheReplyAsCancelled() {
        // [slow]: sim streams ten times slower, so the call is still running when the cancel comes
        LlmRequest request = request("sim", "[slow] tell me a long story please", List.of());
        List<LlmChunk> chunks = untilLast(gateway.requestMulti(request).onItem().invoke(chunk -> {
            if (chunk.seq() == 1) {
                cancels.send(LlmCancel.of(request.requestId()));
            }
        })).collect().asList().await().atMost(Duration.ofSeconds(30));
        assertThat(chunks.get(chunks.size() - 1)).isInstanceOfSatisfying(LlmChunk.Failed.class,
                f -> assertThat(f.code()).isEqualTo("cancelled"));
        // cut short: no usage and no finish, which a full answer ends with
        assertThat(chunks).noneMatch(c -> c instanceof LlmChunk.Finished || c instanceof LlmChunk.Usage);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> asAdmin().queryParam("limit", 50)
                .get("/api/usage/calls").then().statusCode(200)
                .body("findAll { it.requestId == '" + request.requestId() + "' }.status", hasItem("cancelled")));
    }

    @Test
    void unknownModelEndsWithANonRetryableFailure() {
        List<LlmChunk> chunks = call("no-such-model", "hi", List.of());
        assertThat(chunks).singleElement().isInstanceOfSatisfying(LlmChunk.Failed.class, f -> {
            assertThat(f.code()).isEqualTo("unknown_model");
            assertThat(f.retryable()).isFalse();
        });
    }

    @Test
    void rateLimitIsATerminalRetryableFailure() {
        List<LlmChunk> chunks = call("sim", "[fail:429] hi", List.of());
        assertThat(chunks).singleElement().isInstanceOfSatisfying(LlmChunk.Failed.class,
                f -> assertThat(f.code()).isEqualTo("rate_limited"));
    }

    @Test
    void everyCallIsRecordedWithItsUsageAndStatus() {
        List<LlmChunk> chunks = call("sim", "count my words please", List.of());
        String requestId = chunks.get(0).requestId();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> asAdmin().queryParam("limit", 500)
                .get("/api/usage/calls").then().statusCode(200)
                .body("findAll { it.requestId == '" + requestId + "' }.status", hasItem("ok"))
                .body("findAll { it.requestId == '" + requestId + "' }.inputTokens", hasItem(4)));
    }

    @Test
    void usageIsReportedByModelWithItsCost() {
        call("sim", "four words for usage", List.of());
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> asAdmin().queryParam("by", "model")
                .get("/api/usage").then().statusCode(200)
                .body("find { it.key == 'sim' }.calls", org.hamcrest.Matchers.greaterThanOrEqualTo(1))
                .body("find { it.key == 'sim' }.costUsd", org.hamcrest.Matchers.equalTo(0))); // a plain 0, not 0E-9
        asAdmin().queryParam("by", "color").get("/api/usage").then().statusCode(400)
                .contentType("application/problem+json");
    }

    private List<LlmChunk> call(String model, String text, List<ToolSpec> tools) {
        return untilLast(gateway.requestMulti(request(model, text, tools)))
                .collect().asList().await().atMost(Duration.ofSeconds(30));
    }

    private static LlmRequest request(String model, String text, List<ToolSpec> tools) {
        return LlmRequest.of(UUID.randomUUID().toString(), "session-1", "turn-1", model,
                new ArrayList<>(List.of(ChatMessage.user(text))), tools);
    }

    /** requestMulti never completes by itself: stop right after the terminal chunk (a sentinel marks it). */
    private static Multi<LlmChunk> untilLast(Multi<LlmChunk> replies) {
        LlmChunk end = new LlmChunk.Finished("<end>", -1, "end");
        return replies.onItem().transformToMultiAndConcatenate(c -> c.last()
                        ? Multi.createFrom().items(c, end) : Multi.createFrom().item(c))
                .select().first(c -> c != end);
    }
}

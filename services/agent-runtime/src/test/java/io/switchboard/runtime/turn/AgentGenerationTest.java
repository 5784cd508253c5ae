package io.switchboard.runtime.turn;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.contracts.Topics;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.contracts.llm.GenerationSettings.ToolChoice;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.runtime.repository.Agent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** An agent version's generation settings go with each of its model calls. */
@QuarkusTest
class AgentGenerationTest {
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void theAgentsSettingsRideOnItsModelCallsOverKafka() throws Exception {
        Map<String, Object> generation = Map.of("temperature", 0.2, "maxOutputTokens", 40, "stop", List.of("END"),
                "toolChoice", Map.of("mode", "none"), "user", "support-desk");
        String agent = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "tuned", "model", "sim",
                        "generation", generation))
                .post("/api/agents").then().statusCode(201).body("generation.temperature", equalTo(0.2f))
                .body("generation.toolChoice.mode", equalTo("none")).extract().path("id");
        String session = asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent))
                .post("/api/sessions").then().statusCode(201).extract().path("id");
        try (KafkaConsumer<String, String> requests = consumer()) {
            asAdmin().contentType(ContentType.JSON).body(Map.of("text", "hello")).post("/api/sessions/" + session
                    + "/messages").then().statusCode(202);
            LlmRequest sent = awaitRequest(requests, agent);
            assertThat(sent.settings()).isEqualTo(new GenerationSettings(0.2, null, null, 40, List.of("END"), null,
                    null, null, null, null, ToolChoice.NONE, null, "support-desk", null, false));
        } finally {
            asAdmin().post("/api/sessions/" + session + "/cancel");
        }
    }

    @Test
    void settingsOutOfRangeAreRefusedNamingTheField() {
        asAdmin().contentType(ContentType.JSON).body(Map.of("name", "hot", "model", "sim",
                "generation", Map.of("temperature", 7))).post("/api/agents").then().statusCode(400)
                .body("detail", containsString("generation.temperature"));
        asAdmin().contentType(ContentType.JSON).body(Map.of("name", "pick", "model", "sim", "tools", List.of("clock"),
                "generation", Map.of("toolChoice", Map.of("mode", "tool")))).post("/api/agents").then()
                .statusCode(400).body("detail", containsString("generation.toolChoice.name"));
        // what a vendor would refuse on every call is refused once, here
        asAdmin().contentType(ContentType.JSON).body(Map.of("name", "toolless", "model", "sim",
                "generation", Map.of("toolChoice", Map.of("mode", "required")))).post("/api/agents").then()
                .statusCode(400).body("detail", containsString("no tools to choose"));
        asAdmin().contentType(ContentType.JSON).body(Map.of("name", "brief-thought", "model", "sim",
                "generation", Map.of("thinkingBudget", 500))).post("/api/agents").then()
                .statusCode(400).body("detail", containsString("at least 1024"));
        asAdmin().contentType(ContentType.JSON).body(Map.of("name", "thinker", "model", "sim", "tools",
                List.of("clock"), "generation", Map.of("thinkingBudget", 2048))).post("/api/agents").then()
                .statusCode(400).body("detail", containsString("not yet for agents with tools"));
    }

    /** A forced tool choice lets go once the tools answered, or the model would call tools until the round limit. */
    @Test
    void aForcedToolChoiceHoldsUntilTheToolsAnswer() {
        Agent forcing = agent(GenerationSettings.DEFAULTS.withToolChoice(ToolChoice.REQUIRED));
        List<ChatMessage> asked = List.of(ChatMessage.user("time?"));
        List<ChatMessage> answered = List.of(ChatMessage.user("time?"),
                ChatMessage.assistant("", List.of(new ToolCall("c", "clock", "{}"))),
                ChatMessage.toolResult("c", "12:00"));
        assertThat(TurnRunner.settings(forcing, asked).toolChoice()).isEqualTo(ToolChoice.REQUIRED);
        assertThat(TurnRunner.settings(forcing, answered).toolChoice()).isNull();
        Agent never = agent(GenerationSettings.DEFAULTS.withToolChoice(ToolChoice.NONE));
        assertThat(TurnRunner.settings(never, answered).toolChoice()).isEqualTo(ToolChoice.NONE);
    }

    private static Agent agent(GenerationSettings generation) {
        return new Agent(UUID.randomUUID(), UUID.randomUUID(), 1, "a", "sim", "", List.of("clock"), List.of(),
                Agent.Limits.NONE, Agent.QUEUE, List.of(), Agent.ContextPolicy.UNLIMITED, List.of(), generation,
                List.of(), false, Instant.now(), 1, 1);
    }

    private KafkaConsumer<String, String> consumer() {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "generation-test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(Topics.LLM_REQUESTS));
        return consumer;
    }

    private static LlmRequest awaitRequest(KafkaConsumer<String, String> consumer, String agentId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                LlmRequest request = JSON.readValue(record.value(), LlmRequest.class);
                if (agentId.equals(request.agentId())) {
                    return request;
                }
            }
        }
        throw new AssertionError("no model call of agent " + agentId + " on " + Topics.LLM_REQUESTS);
    }
}

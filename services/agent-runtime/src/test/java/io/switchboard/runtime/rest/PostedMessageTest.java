package io.switchboard.runtime.rest;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.switchboard.contracts.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A message posted to a session whose agent queues messages (the default) is journaled, and its turn begun, by the
 * replica that took the request: it is in the journal when the 202 comes and never goes through
 * {@code agent.commands}. An agent with another busy policy has its messages sent through the topic, whose consumer
 * sees a session's messages one at a time. (No gateway runs in these tests: the turns begin, and do not end.)
 */
@QuarkusTest
class PostedMessageTest {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void aMessageIsJournaledBeforeItsAnswerAndSkipsTheTopic() {
        String session = session("queue");
        List<String> commands = commandsFor(session, () -> {
            String turn = post(session, 202);
            JsonPath journaled = asAdmin().get("/api/sessions/" + session).then().statusCode(200).extract()
                    .jsonPath();
            assertThat(journaled.getList("turns.id", String.class)).as("in the journal at the 202").contains(turn);
        });
        assertThat(commands).isEmpty();
    }

    @Test
    void aMessageToAnAgentThatInterruptsGoesThroughTheTopicAndStopsTheTurnUnderWay() {
        String session = session("interrupt");
        List<String> commands = commandsFor(session, () -> {
            String first = post(session, 202);
            String second = post(session, 202);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonPath turns = asAdmin().get("/api/sessions/" + session).then().statusCode(200).extract()
                        .jsonPath();
                assertThat(turns.getList("turns.id", String.class)).containsExactly(first, second);
                assertThat(turns.getString("turns[0].status")).isEqualTo("cancelled");
                assertThat(turns.getString("turns[1].status")).isEqualTo("running");
            });
        });
        assertThat(commands).hasSize(2);
    }

    @Test
    void aMessageToAnAgentThatRejectsWhileBusyIsRefused() {
        String session = session("reject");
        String first = post(session, 202);
        awaitRunning(session, first); // through agent.commands: journaled a moment after the 202
        asAdmin().contentType(ContentType.JSON).body(Map.of("text", "and more")).post("/api/sessions/" + session
                + "/messages").then().statusCode(409).contentType("application/problem+json");
        assertThat(asAdmin().get("/api/sessions/" + session).then().extract().jsonPath()
                .getList("turns.id", String.class)).containsExactly(first);
    }

    @Test
    void aMessageSentAgainUnderItsIdempotencyKeyIsOneTurn() {
        for (String onBusy : List.of("queue", "reject")) {
            String session = session(onBusy);
            String first = postKeyed(session, "msg-1", "hello").then().statusCode(202).extract().path("turnId");
            awaitRunning(session, first);
            // sent again (its answer lost, say): the same turn, not a second one, nor "busy" with itself
            postKeyed(session, "msg-1", "hello").then().statusCode(200).body("turnId", equalTo(first));
            assertThat(asAdmin().get("/api/sessions/" + session).then().extract().jsonPath()
                    .getList("turns.id", String.class)).as(onBusy).containsExactly(first);
        }
        String session = session("queue");
        String first = postKeyed(session, "msg-1", "hello").then().statusCode(202).extract().path("turnId");
        String second = postKeyed(session, "msg-2", "hello").then().statusCode(202).extract().path("turnId");
        assertThat(second).isNotEqualTo(first);
        postKeyed(session, "msg-1", "something else").then().statusCode(422)
                .contentType("application/problem+json");
        postKeyed(session, "k".repeat(256), "hello").then().statusCode(400).contentType("application/problem+json");
        assertThat(asAdmin().get("/api/sessions/" + session).then().extract().jsonPath()
                .getList("turns.id", String.class)).containsExactly(first, second);
    }

    private static void awaitRunning(String session, String turn) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonPath journaled = asAdmin().get("/api/sessions/" + session).then().statusCode(200).extract()
                    .jsonPath();
            assertThat(journaled.getList("turns.id", String.class)).contains(turn);
            assertThat(journaled.getString("turns[0].status")).isEqualTo("running");
        });
    }

    private static Response postKeyed(String session, String key, String text) {
        return asAdmin().contentType(ContentType.JSON).header("Idempotency-Key", key).body(Map.of("text", text))
                .post("/api/sessions/" + session + "/messages");
    }

    private static String session(String onBusy) {
        String agent = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "posted-" + onBusy + "-"
                        + UUID.randomUUID(), "model", "sim", "onBusy", onBusy)).post("/api/agents").then()
                .statusCode(201).extract().path("id");
        return asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent)).post("/api/sessions").then()
                .statusCode(201).extract().path("id");
    }

    private static String post(String session, int status) {
        return asAdmin().contentType(ContentType.JSON).body(Map.of("text", "hello")).post("/api/sessions/" + session
                + "/messages").then().statusCode(status).extract().path("turnId");
    }

    /** The {@code agent.commands} records keyed by the session that were written while {@code action} ran. */
    private List<String> commandsFor(String session, Runnable action) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(Topics.AGENT_COMMANDS)) {
                partitions.add(new TopicPartition(p.topic(), p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // the ends before the action
            action.run();
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<String> found = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))
                    && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (session.equals(r.key())) {
                        found.add(r.value());
                    }
                });
            }
            return found;
        }
    }
}

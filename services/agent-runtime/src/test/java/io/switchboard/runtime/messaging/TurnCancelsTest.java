package io.switchboard.runtime.messaging;

import static io.switchboard.testing.Auth.asAdmin;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.contracts.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A turn asked to stop on another replica is stopped by the replica running it, through {@code agent.cancels}, at
 * once: not at its next lease renewal (the journal's flag is not even set here, so only the record can stop it).
 */
@QuarkusTest
class TurnCancelsTest {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void aCancelOnTheTopicStopsTheTurnRunningHere() throws Exception {
        String agent = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "stoppable", "model", "sim"))
                .post("/api/agents").then().statusCode(201).extract().path("id");
        String session = asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent))
                .post("/api/sessions").then().statusCode(201).extract().path("id");
        try (KafkaConsumer<String, String> requests = requests()) {
            String turn = asAdmin().contentType(ContentType.JSON).body(Map.of("text", "hello"))
                    .post("/api/sessions/" + session + "/messages").then().statusCode(202).extract().path("turnId");
            awaitModelCall(requests, agent); // the turn runs here, waiting for a gateway no test runs
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                producer.send(new ProducerRecord<>(Topics.AGENT_CANCELS, session, "{\"sessionId\":\"" + session
                        + "\",\"turnId\":\"" + turn + "\",\"reason\":\"stopped elsewhere\",\"schemaVersion\":1}"))
                        .get();
            }
            // well within a lease renewal (5 s), and long before the reply's allowed silence (15 s) would end the wait
            await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> asAdmin().get("/api/sessions/" + session)
                    .then().statusCode(200).body("turns[0].status", equalTo("cancelled")));
        }
    }

    private KafkaConsumer<String, String> requests() {
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "cancels-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
        consumer.subscribe(List.of(Topics.LLM_REQUESTS));
        return consumer;
    }

    private static void awaitModelCall(KafkaConsumer<String, String> consumer, String agentId) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.value().contains("\"agentId\":\"" + agentId + "\"")) {
                    return;
                }
            }
        }
        throw new AssertionError("no model call of agent " + agentId + " on " + Topics.LLM_REQUESTS);
    }
}

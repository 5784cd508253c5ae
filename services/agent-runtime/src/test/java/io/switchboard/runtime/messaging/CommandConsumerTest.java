package io.switchboard.runtime.messaging;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.contracts.Topics;
import java.time.Duration;
import java.util.ArrayList;
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
 * Bad commands on the real broker end up on the dead-letter topic, with the reason; nothing is half-written. A command
 * that claims another organization than its session's (or its agent's) is as bad as one for no session.
 */
@QuarkusTest
class CommandConsumerTest {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void unreadableAndUnknownSessionCommandsAreDeadLettered() throws Exception {
        String garbageKey = UUID.randomUUID().toString();
        String unknownSessionKey = UUID.randomUUID().toString();
        // a real session of the default organization, and commands for it that claim another organization
        String agent = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "kafka-tenant", "model", "sim"))
                .post("/api/agents").then().statusCode(201).extract().path("id");
        String session = asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent))
                .post("/api/sessions").then().statusCode(201).extract().path("id");
        String otherOrg = UUID.randomUUID().toString();
        String strangerSession = UUID.randomUUID().toString();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.send(new ProducerRecord<>(Topics.AGENT_COMMANDS, garbageKey, "{not json")).get();
            producer.send(new ProducerRecord<>(Topics.AGENT_COMMANDS, unknownSessionKey,
                    "{\"type\":\"UserMessage\",\"commandId\":\"c1\",\"sessionId\":\"" + unknownSessionKey
                            + "\",\"turnId\":\"" + UUID.randomUUID() + "\",\"text\":\"hi\",\"schemaVersion\":1}")).get();
            producer.send(new ProducerRecord<>(Topics.AGENT_COMMANDS, session,
                    "{\"type\":\"UserMessage\",\"commandId\":\"c2\",\"orgId\":\"" + otherOrg + "\",\"sessionId\":\""
                            + session + "\",\"turnId\":\"" + UUID.randomUUID() + "\",\"text\":\"hi\",\"schemaVersion\":1}"))
                    .get();
            producer.send(new ProducerRecord<>(Topics.AGENT_COMMANDS, strangerSession,
                    "{\"type\":\"StartSession\",\"commandId\":\"c3\",\"orgId\":\"" + otherOrg
                            + "\",\"sessionId\":\"" + strangerSession + "\",\"agentId\":\"" + agent
                            + "\",\"schemaVersion\":1}")).get();
        }
        List<ConsumerRecord<String, String>> dead = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "dlq-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(List.of(Topics.AGENT_COMMANDS_DLQ));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline
                    && !hasKeys(dead, garbageKey, unknownSessionKey, session, strangerSession)) {
                consumer.poll(Duration.ofMillis(500)).forEach(dead::add);
            }
        }
        assertThat(dead).extracting(ConsumerRecord::key).contains(garbageKey, unknownSessionKey, session,
                strangerSession);
        // nothing reached the session of the organization the commands were not from
        asAdmin().get("/api/sessions/" + session).then().body("turns", org.hamcrest.Matchers.empty());
        asAdmin().get("/api/sessions/" + strangerSession).then().statusCode(404);
        ConsumerRecord<String, String> unknown = dead.stream().filter(r -> unknownSessionKey.equals(r.key()))
                .findFirst().orElseThrow();
        assertThat(new String(unknown.headers().lastHeader("dead-letter-reason").value()))
                .contains("does not exist");
    }

    private static boolean hasKeys(List<ConsumerRecord<String, String>> records, String... keys) {
        return records.stream().map(ConsumerRecord::key).toList().containsAll(List.of(keys));
    }
}

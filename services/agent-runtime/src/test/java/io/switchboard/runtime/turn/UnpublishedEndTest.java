package io.switchboard.runtime.turn;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.contracts.Topics;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A runner died right after committing a turn's end, before publishing it: the session is left with the dead
 * runner's lease and a turn that ended unheard. Whoever takes the session over publishes the end again, under the
 * seq it was committed with, and lets the session go.
 */
@QuarkusTest
class UnpublishedEndTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    Pool pool;

    @Test
    void theEndOfATurnWhoseRunnerDiedBeforeSayingSoIsPublishedByWhoeverTakesOver() throws Exception {
        String agent = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "unheard", "model", "sim"))
                .post("/api/agents").then().statusCode(201).extract().path("id");
        UUID sessionId = UUID.fromString(asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent))
                .post("/api/sessions").then().statusCode(201).extract().path("id"));
        UUID turnId = UUID.randomUUID();
        // the journal as the dead runner left it: the turn ended (seq 7), the lease still its own, run out
        pool.withTransaction(tx -> tx.preparedQuery("insert into runtime.turns (id, session_id, user_text, status,"
                        + " finished_at, end_seq, input_tokens, output_tokens) values ($1, $2, 'hi', 'completed', now(),"
                        + " 7, 12, 3)").execute(Tuple.of(turnId, sessionId))
                .flatMap(x -> tx.preparedQuery("insert into runtime.messages (session_id, position, turn_id, role,"
                        + " content) values ($1, 0, $2, 'user', 'hi'), ($1, 1, $2, 'assistant', 'Hello there.')")
                        .execute(Tuple.of(sessionId, turnId)))
                .flatMap(x -> tx.preparedQuery("update runtime.sessions set runner_id = 'died', lease_until = now()"
                        + " - interval '1 second', last_seq = 7, seq_reserved = 1000 where id = $1")
                        .execute(Tuple.of(sessionId)))).await().atMost(WAIT);

        ConsumerRecord<String, String> end = null;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "unpublished-end-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(List.of(Topics.AGENT_EVENTS));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (end == null && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.key().equals(sessionId.toString()) && record.value().contains(turnId.toString())) {
                        end = record;
                    }
                }
            }
        }
        assertThat(end).as("the end published by the runner that took over").isNotNull();
        assertThat(end.value()).contains("\"type\":\"TurnCompleted\"", "\"seq\":7", "\"text\":\"Hello there.\"",
                "\"inputTokens\":12", "\"outputTokens\":3");
        // and the session is let go, as nothing is left to run
        await().atMost(WAIT).until(() -> pool.preparedQuery("select runner_id from runtime.sessions where id = $1")
                .execute(Tuple.of(sessionId)).await().atMost(WAIT).iterator().next().getString("runner_id") == null);
    }
}

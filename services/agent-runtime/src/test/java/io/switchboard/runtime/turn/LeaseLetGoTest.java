package io.switchboard.runtime.turn;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A session's lease outlives its turn for a moment (the conversation's next message mostly comes within it), then is
 * let go, so that any replica can take the session up at once.
 */
@QuarkusTest
class LeaseLetGoTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Inject
    Pool pool;

    @Test
    void aSessionsLeaseIsLetGoShortlyAfterItsTurnsEnd() {
        // no model answers here (no gateway runs with these tests): each turn runs out of time after a second
        String agent = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "let-go", "model", "sim",
                "limits", Map.of("maxTurnSeconds", 1))).post("/api/agents").then().statusCode(201).extract().path("id");
        UUID sessionId = UUID.fromString(asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent))
                .post("/api/sessions").then().statusCode(201).extract().path("id"));

        for (String text : new String[] {"hello", "and again"}) {
            UUID turnId = UUID.fromString(asAdmin().contentType(ContentType.JSON).body(Map.of("text", text))
                    .post("/api/sessions/" + sessionId + "/messages").then().statusCode(202).extract().path("turnId"));
            await().atMost(WAIT).until(() -> "running".equals(turnStatus(turnId)));
            assertThat(session(sessionId).getString("runner_id")).isNotNull();
            await().atMost(WAIT).until(() -> "failed".equals(turnStatus(turnId)));
            await().atMost(Duration.ofSeconds(2)).until(() -> session(sessionId).getString("runner_id") == null);
        }
        Row session = session(sessionId);
        assertThat(session.getLong("seq_reserved")).as("the unused seqs were given back")
                .isEqualTo(session.getLong("last_seq"));
        assertThat(session.getLong("lease_epoch")).as("taken afresh for each message, after it was let go")
                .isEqualTo(2);
    }

    private String turnStatus(UUID turnId) {
        var rows = pool.preparedQuery("select status from runtime.turns where id = $1").execute(Tuple.of(turnId))
                .await().atMost(WAIT);
        return rows.size() == 0 ? null : rows.iterator().next().getString("status");
    }

    private Row session(UUID sessionId) {
        return pool.preparedQuery("select runner_id, lease_epoch, seq_reserved, last_seq from runtime.sessions"
                + " where id = $1").execute(Tuple.of(sessionId)).await().atMost(WAIT).iterator().next();
    }
}

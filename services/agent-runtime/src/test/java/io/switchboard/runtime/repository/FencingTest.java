package io.switchboard.runtime.repository;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.runtime.repository.SessionRepository.LeaseLost;
import io.switchboard.runtime.repository.SessionRepository.NewMessage;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A runner whose lease ran out and was taken over has every write refused: the journal, the pause, the end and the
 * beginning of a turn. The runner that took over writes as usual.
 */
@QuarkusTest
class FencingTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration LEASE = Duration.ofMinutes(1);

    @Inject
    Pool pool;

    @Inject
    SessionRepository sessions;

    @Inject
    ContextRepository contexts;

    @Test
    void theRunnerThatWasTakenOverIsRefusedEveryWrite() {
        UUID sessionId = session();
        UUID turnId = UUID.randomUUID();
        // held before there is a turn, so the recovery sweep leaves the session alone
        long stale = sessions.claim(sessionId, "runner-a", LEASE).await().atMost(WAIT);
        sessions.recordUserMessage(sessionId, turnId, "hello", null).await().atMost(WAIT);
        assertThat(sessions.claim(sessionId, "runner-a", LEASE).await().atMost(WAIT))
                .as("renewing a lease keeps its token").isEqualTo(stale);
        assertThat(sessions.claim(sessionId, "runner-b", LEASE).await().atMost(WAIT))
                .as("a live lease is not taken").isNull();
        assertThat(sessions.claimNext(sessionId, "runner-a", LEASE, 1000).await().atMost(WAIT).fence())
                .as("beginning the turn keeps the lease's token").isEqualTo(stale);
        sessions.append(sessionId, turnId, new NewMessage("assistant", "", "[]", null), List.of(), stale)
                .await().atMost(WAIT);

        // runner-a stops renewing (frozen); its lease runs out and runner-b takes the session over
        pool.preparedQuery("update runtime.sessions set lease_until = now() - interval '1 second' where id = $1")
                .execute(Tuple.of(sessionId)).await().atMost(WAIT);
        long current = sessions.claim(sessionId, "runner-b", LEASE).await().atMost(WAIT);
        assertThat(current).isGreaterThan(stale);

        NewMessage result = new NewMessage("tool", "12:00", null, "call_r0_0");
        assertThatThrownBy(() -> sessions.append(sessionId, turnId, result, List.of(), stale).await().atMost(WAIT))
                .isInstanceOf(LeaseLost.class);
        assertThatThrownBy(() -> sessions.finish(sessionId, turnId, List.of(new NewMessage("assistant", "late", null,
                null)), List.of(), completed(5), stale).await().atMost(WAIT)).isInstanceOf(LeaseLost.class);
        assertThatThrownBy(() -> sessions.pause(sessionId, turnId, 5, stale).await().atMost(WAIT))
                .isInstanceOf(LeaseLost.class);
        assertThat(sessions.claimNext(sessionId, "runner-a", LEASE, 1000).await().atMost(WAIT))
                .as("the runner taken over cannot begin the turn again").isNull();
        assertThatThrownBy(() -> sessions.reserveSeqs(sessionId, 5000, stale).await().atMost(WAIT))
                .isInstanceOf(LeaseLost.class);
        assertThatThrownBy(() -> contexts.snapshot(sessionId, 0, "a late summary", stale).await().atMost(WAIT))
                .isInstanceOf(LeaseLost.class);
        assertThat(contexts.snapshots(sessionId).await().atMost(WAIT)).isEmpty();
        assertThat(sessions.turn(turnId).await().atMost(WAIT).status()).isEqualTo(Turn.RUNNING);
        assertThat(sessions.messages(sessionId).await().atMost(WAIT)).extracting(StoredMessage::role)
                .containsExactly("user", "assistant");

        // the runner that holds the session goes on from the journal
        SessionRepository.Claimed resumed = sessions.claimNext(sessionId, "runner-b", LEASE, 1000).await().atMost(WAIT);
        assertThat(resumed.begun().resumed()).isTrue();
        assertThat(resumed.fence()).isEqualTo(current);
        sessions.append(sessionId, turnId, result, List.of(), current).await().atMost(WAIT);
        sessions.finish(sessionId, turnId, List.of(new NewMessage("assistant", "Noon.", null, null)), List.of(),
                completed(5), current).await().atMost(WAIT);
        assertThat(sessions.turn(turnId).await().atMost(WAIT).status()).isEqualTo(Turn.COMPLETED);
        assertThat(sessions.messages(sessionId).await().atMost(WAIT)).extracting(StoredMessage::role)
                .containsExactly("user", "assistant", "tool", "assistant");
        assertThat(sessions.claimNext(sessionId, "runner-b", LEASE, 1000).await().atMost(WAIT))
                .as("a finished turn has nothing to begin").isNull();
    }

    private static SessionRepository.Ended completed(long seq) {
        return new SessionRepository.Ended(Turn.COMPLETED, null, null, seq, 10, 5, null);
    }

    private static UUID session() {
        String agent = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "fenced", "model", "sim"))
                .post("/api/agents").then().statusCode(201).extract().path("id");
        return UUID.fromString(asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent))
                .post("/api/sessions").then().statusCode(201).extract().path("id"));
    }
}

package io.switchboard.runtime.repository;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A runner pauses its turn for approvals at the moment an operator decides the last of them. Whichever commits first,
 * the turn must not be left waiting for a decision already made: the decision resumes a waiting turn, and a pause
 * that comes after the decision is refused (the runner goes on itself).
 */
@QuarkusTest
class PauseRaceTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @Inject
    Pool pool;

    @Inject
    SessionRepository sessions;

    @Inject
    ApprovalRepository approvals;

    @Test
    void aPauseThatWaitsOnADecisionSeesIt() throws Exception {
        UUID sessionId = runningTurnSession();
        UUID turnId = UUID.randomUUID();
        pool.preparedQuery("insert into runtime.turns (id, session_id, user_text, status) values ($1, $2, 'go',"
                + " 'running')").execute(Tuple.of(turnId, sessionId)).await().atMost(WAIT);
        // held by a runner (this test), so the recovery sweep leaves the running turn alone
        pool.preparedQuery("update runtime.sessions set runner_id = 'pause-race-test', lease_until = now()"
                + " + interval '1 hour' where id = $1").execute(Tuple.of(sessionId)).await().atMost(WAIT);
        Approval approval = approvals.request(sessionId, turnId, "call_r0_0", "calculator", "{}").await().atMost(WAIT);

        // the decision's transaction, as ApprovalRepository.decide runs it, held open at its end
        SqlConnection connection = pool.getConnection().await().atMost(WAIT);
        try {
            Transaction tx = connection.begin().await().atMost(WAIT);
            connection.preparedQuery("select a.status, t.status from runtime.approvals a join runtime.turns t"
                    + " on t.id = a.turn_id where a.id = $1 for update of a, t")
                    .execute(Tuple.of(approval.id())).await().atMost(WAIT);
            connection.preparedQuery("update runtime.approvals set status = 'approved', decided_at = now()"
                    + " where id = $1").execute(Tuple.of(approval.id())).await().atMost(WAIT);

            CompletableFuture<SessionRepository.Pause> paused = sessions.pause(sessionId, turnId, 0, 0).subscribeAsCompletionStage();
            Thread.sleep(300);
            assertThat(paused).as("the pause waits for the decision's lock").isNotDone();
            tx.commit().await().atMost(WAIT);

            assertThat(paused.get()).as("paused for an approval that was decided").isEqualTo(SessionRepository.Pause.DECIDED);
        } finally {
            connection.close().await().atMost(WAIT);
        }
        String status = pool.preparedQuery("select status from runtime.turns where id = $1").execute(Tuple.of(turnId))
                .await().atMost(WAIT).iterator().next().getString("status");
        assertThat(status).isEqualTo(Turn.RUNNING);
    }

    private static UUID runningTurnSession() {
        String agent = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "careful", "model", "sim",
                        "tools", List.of("calculator"), "approvalRequired", List.of("calculator")))
                .post("/api/agents").then().statusCode(201).extract().path("id");
        return UUID.fromString(asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent))
                .post("/api/sessions").then().statusCode(201).extract().path("id"));
    }
}

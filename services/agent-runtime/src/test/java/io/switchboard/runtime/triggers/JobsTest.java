package io.switchboard.runtime.triggers;

import static io.switchboard.testing.Auth.as;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.jobs.Jobs;
import io.switchboard.testing.TestOrgs;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The job mechanism on PostgreSQL (libs/jobs, db-scheduler): retries with their attempts and errors shown, failed after
 * the last attempt and retried by hand, unique keys, cancelling, a job queued in a transaction that rolls back, and
 * each organization seeing its own jobs only.
 */
@QuarkusTest
class JobsTest {
    private static final UUID DEFAULT_ORG = UUID.fromString("00000000-0000-0000-0000-000000000001");

    @Inject
    Jobs jobs;

    @Inject
    FlakyJob flaky;

    @Inject
    Pool pool;

    @Inject
    ObjectMapper json;

    @Test
    void aJobThatFailsThreeTimesThenSucceedsShowsItsAttempts() {
        String key = "thrice-" + UUID.randomUUID();
        assertThat(enqueue(key, 3, Instant.now())).isTrue();
        jobs.wake();
        // while it is tried again: retrying, with its last error
        Map<String, Object> retrying = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> job(key), j -> j != null && "retrying".equals(j.get("status")));
        assertThat((String) retrying.get("lastError")).startsWith("flaky run");
        Map<String, Object> done = await().atMost(Duration.ofSeconds(15)).until(() -> job(key),
                j -> j != null && "done".equals(j.get("status")));
        assertThat(done.get("attempts")).isEqualTo(4);
        assertThat(flaky.runs(key)).isEqualTo(4);
        asAdmin().get("/api/jobs").then().statusCode(200)
                .body("summary.byKind.'flaky-test'.done", org.hamcrest.Matchers.greaterThanOrEqualTo(1));
    }

    @Test
    void aJobFailedAtItsLastAttemptIsKeptWithItsErrorAndRunsAgainWhenRetriedByHand() {
        String key = "stubborn-" + UUID.randomUUID();
        enqueue(key, 4, Instant.now());
        jobs.wake();
        Map<String, Object> failed = await().atMost(Duration.ofSeconds(15)).until(() -> job(key),
                j -> j != null && "failed".equals(j.get("status")));
        assertThat(failed.get("attempts")).isEqualTo(4);
        assertThat(failed.get("lastError")).isEqualTo("flaky run 4");
        assertThat(flaky.runs(key)).isEqualTo(4);

        as(TestOrgs.create(pool, "other " + UUID.randomUUID()).ownerToken())
                .post("/api/jobs/flaky-test/" + key + "/retry").then().statusCode(404);
        asAdmin().post("/api/jobs/flaky-test/" + key + "/retry").then().statusCode(204);
        await().atMost(Duration.ofSeconds(10)).until(() -> job(key),
                j -> j != null && "done".equals(j.get("status")));
        assertThat(flaky.runs(key)).isEqualTo(5);
    }

    @Test
    void aJobIsQueuedOncePerKeyAndCanBeCancelledBeforeItRuns() {
        String key = "later-" + UUID.randomUUID();
        Instant tomorrow = Instant.now().plus(Duration.ofDays(1));
        assertThat(enqueue(key, 0, tomorrow)).isTrue();
        assertThat(enqueue(key, 0, tomorrow)).isFalse();
        assertThat(job(key).get("status")).isEqualTo("queued");

        as(TestOrgs.create(pool, "other " + UUID.randomUUID()).ownerToken())
                .post("/api/jobs/flaky-test/" + key + "/cancel").then().statusCode(404);
        asAdmin().post("/api/jobs/flaky-test/" + key + "/cancel").then().statusCode(204);
        assertThat(job(key).get("status")).isEqualTo("cancelled");
        asAdmin().post("/api/jobs/flaky-test/" + key + "/cancel").then().statusCode(404)
                .contentType("application/problem+json");
        assertThat(flaky.runs(key)).isZero();
    }

    @Test
    void aJobQueuedInATransactionThatRollsBackNeverRuns() throws InterruptedException {
        String key = "rolled-back-" + UUID.randomUUID();
        assertThatThrownBy(() -> pool.withTransaction(tx -> jobs.enqueue(tx, flaky, key, new FlakyJob.Data(0),
                        DEFAULT_ORG, Instant.now())
                .invoke(queued -> {
                    throw new IllegalStateException("what caused the job failed");
                })).await().atMost(Duration.ofSeconds(5))).hasMessageContaining("caused the job failed");
        jobs.wake();
        String committed = "committed-" + UUID.randomUUID();
        enqueue(committed, 0, Instant.now());
        jobs.wake();
        // a job queued after it has run: the scheduler has looked since, and found no other
        await().atMost(Duration.ofSeconds(10)).until(() -> flaky.runs(committed) == 1);
        Thread.sleep(500);
        assertThat(flaky.runs(key)).isZero();
        assertThat(job(key)).isNull();
    }

    @Test
    void aJobWhoseRunnerDiedIsTakenUpAgainAsAFailedAttempt() throws Exception {
        String key = "orphaned-" + UUID.randomUUID();
        byte[] data = json.writeValueAsBytes(new FlakyJob.Data(0));
        // taken by a runner that stopped sending heartbeats a minute ago
        pool.preparedQuery("insert into runtime_jobs.scheduled_tasks (task_name, task_instance, task_data,"
                        + " execution_time, picked, picked_by, last_heartbeat, version, org_id) values ('flaky-test',"
                        + " $1, $2, now() - interval '1 minute', true, 'gone', now() - interval '1 minute', 2, $3)")
                .execute(Tuple.of(key, Buffer.buffer(data), DEFAULT_ORG)).await().atMost(Duration.ofSeconds(5));
        Map<String, Object> done = await().atMost(Duration.ofSeconds(30)).until(() -> job(key),
                j -> j != null && "done".equals(j.get("status")));
        assertThat(done.get("attempts")).as("the dead runner's attempt counts").isEqualTo(2);
        assertThat(flaky.runs(key)).isEqualTo(1);
    }

    @Test
    void eachOrganizationSeesItsOwnJobsAndOnlyPlatformAdministratorsSeeAll() {
        String key = "private-" + UUID.randomUUID();
        enqueue(key, 0, Instant.now().plus(Duration.ofDays(1)));
        String other = TestOrgs.create(pool, "other " + UUID.randomUUID()).ownerToken();
        assertThat(as(other).get("/api/jobs").then().statusCode(200).extract().jsonPath()
                .getList("jobs.key")).doesNotContain(key);
        as(other).get("/api/jobs?scope=platform").then().statusCode(403).contentType("application/problem+json");
        assertThat(asAdmin().get("/api/jobs?scope=platform&kind=flaky-test&limit=1000").then().statusCode(200)
                .extract().jsonPath().getList("jobs.key")).contains(key);
        asAdmin().get("/api/jobs?status=lost").then().statusCode(400).body("detail", org.hamcrest.Matchers
                .containsString("status"));
        asAdmin().get("/api/jobs?limit=0").then().statusCode(400);
        asAdmin().contentType(ContentType.JSON).body(Map.of()).post("/api/jobs/flaky-test/" + key + "/cancel")
                .then().statusCode(204);
    }

    private boolean enqueue(String key, int failFirst, Instant at) {
        return pool.withTransaction(tx -> jobs.enqueue(tx, flaky, key, new FlakyJob.Data(failFirst), DEFAULT_ORG,
                at)).await().atMost(Duration.ofSeconds(5));
    }

    /** The job as {@code GET /api/jobs} shows it (its newest entry), or null. */
    private static Map<String, Object> job(String key) {
        return asAdmin().get("/api/jobs?kind=flaky-test&limit=1000").then().statusCode(200).extract().jsonPath()
                .getMap("jobs.find { it.key == '" + key + "' }");
    }
}

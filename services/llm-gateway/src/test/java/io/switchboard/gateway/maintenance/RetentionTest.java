package io.switchboard.gateway.maintenance;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The gateway's retention job deletes model-call records past their age (400 days in tests) and keeps the rest, a call
 * still running whatever its age, and one not rolled up yet; hourly rollups go at their own age. It is queued as a
 * recurring job of the platform, shown by {@code /api/jobs}.
 */
@QuarkusTest
class RetentionTest {
    private static final UUID DEFAULT_ORG = UUID.fromString("00000000-0000-0000-0000-000000000001");

    @Inject
    Pool pool;

    @Inject
    Retention retention;

    @Test
    void oldCallRecordsGoAndTheRestStay() {
        String old = call(500, "ok");
        String running = call(500, "running");
        String recent = call(30, "ok");

        retention.sweep(Instant.now()).await().atMost(Duration.ofSeconds(30));

        assertThat(exists(old)).isFalse();
        assertThat(exists(running)).isTrue();
        assertThat(exists(recent)).isTrue();
        assertThat(asAdmin().get("/api/jobs?scope=platform&kind=retention").then().statusCode(200).extract()
                .jsonPath().getList("jobs.status")).contains("queued");
    }

    @Test
    void callsStayUntilTheyAreRolledUpAndRollupsGoAtTheirOwnAge() {
        String old = call(500, "ok");
        try {
            rolledUntil(Instant.now().minus(Duration.ofDays(600)));
            retention.sweep(Instant.now(), true).await().atMost(Duration.ofSeconds(30));
            assertThat(exists(old)).isTrue();

            rolledUntil(Instant.now().minus(Duration.ofDays(1)));
            retention.sweep(Instant.now(), true).await().atMost(Duration.ofSeconds(30));
            assertThat(exists(old)).isFalse();
        } finally {
            pool.query("update gateway.usage_rollup set rolled_until = null").execute().await()
                    .atMost(Duration.ofSeconds(5));
        }

        String key = UUID.randomUUID().toString();
        for (int daysAgo : new int[] {900, 30}) { // rollups are kept 800 days in tests
            pool.preparedQuery("insert into gateway.usage_hourly values ($1, $2, 'model', $3, 1, 0, 1, 1, 0, 0, 0, 1,"
                            + " 1, array_fill(0, array[82]), array_fill(0, array[82]))")
                    .execute(Tuple.of(DEFAULT_ORG, Instant.now().minus(Duration.ofDays(daysAgo))
                            .atOffset(ZoneOffset.UTC), key)).await().atMost(Duration.ofSeconds(5));
        }
        retention.sweep(Instant.now(), true).await().atMost(Duration.ofSeconds(30));
        assertThat(pool.preparedQuery("select count(*) from gateway.usage_hourly where key = $1").execute(Tuple.of(key))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0)).isEqualTo(1);
        pool.preparedQuery("delete from gateway.usage_hourly where key = $1").execute(Tuple.of(key)).await()
                .atMost(Duration.ofSeconds(5));
    }

    private void rolledUntil(Instant at) {
        pool.preparedQuery("update gateway.usage_rollup set rolled_until = $1")
                .execute(Tuple.of(at.atOffset(ZoneOffset.UTC))).await().atMost(Duration.ofSeconds(5));
    }

    private String call(int daysAgo, String status) {
        String id = UUID.randomUUID().toString();
        pool.preparedQuery("insert into gateway.llm_calls (request_id, model, provider, status, input_tokens,"
                        + " output_tokens, latency_ms, started_at, org_id) values ($1, 'sim', 'sim', $2, 1, 1, 5, $3,"
                        + " $4)")
                .execute(Tuple.of(id, status, Instant.now().minus(Duration.ofDays(daysAgo)).atOffset(ZoneOffset.UTC),
                        DEFAULT_ORG))
                .await().atMost(Duration.ofSeconds(5));
        return id;
    }

    private boolean exists(String requestId) {
        return pool.preparedQuery("select count(*) from gateway.llm_calls where request_id = $1")
                .execute(Tuple.of(requestId)).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0) == 1;
    }
}

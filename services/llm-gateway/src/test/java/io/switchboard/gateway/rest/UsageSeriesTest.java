package io.switchboard.gateway.rest;

import static io.switchboard.testing.Auth.as;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.switchboard.testing.TestOrgs;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The dashboards' series: the ledger in buckets, split by model, with percentiles, turns and sessions; its own org. */
@QuarkusTest
class UsageSeriesTest {
    private static final UUID DEFAULT_ORG = UUID.fromString("00000000-0000-0000-0000-000000000001");

    @Inject
    Pool pool;

    @Test
    void callsAreCountedPerBucketAndModelWithTheirPercentiles() {
        String model = "series-" + UUID.randomUUID().toString().substring(0, 8);
        Instant hour = Instant.parse("2026-11-02T10:00:00Z");
        // three calls of one turn at 10:05, one failed call at 11:10, and a call of another model
        call(model, hour.plusSeconds(300), "ok", 100, "t1", "s1", "0.5");
        call(model, hour.plusSeconds(301), "ok", 200, "t1", "s1", "0.25");
        call(model, hour.plusSeconds(302), "ok", 300, "t2", "s1", null);
        call(model, hour.plusSeconds(4200), "provider_error", 50, "t3", "s2", null);
        String query = "/api/usage/series?from=" + hour + "&to=" + hour.plusSeconds(7200) + "&step=3600&by=model";

        JsonPath series = asAdmin().get(query).then().statusCode(200).extract().jsonPath();
        String first = "find { it.key == '" + model + "' && it.bucket == '" + hour + "' }";
        assertThat(series.getInt(first + ".calls")).isEqualTo(3);
        assertThat(series.getInt(first + ".errors")).isZero();
        assertThat(series.getInt(first + ".turns")).isEqualTo(2);
        assertThat(series.getInt(first + ".sessions")).isEqualTo(1);
        assertThat(series.getDouble(first + ".latencyP50")).isEqualTo(200);
        assertThat(new BigDecimal(series.getString(first + ".costUsd"))).isEqualByComparingTo("0.75");
        String second = "find { it.key == '" + model + "' && it.bucket == '" + hour.plusSeconds(3600) + "' }";
        assertThat(series.getInt(second + ".errors")).isEqualTo(1);

        // another organization sees none of it
        TestOrgs.Org other = TestOrgs.create(pool, "other " + UUID.randomUUID());
        assertThat(as(other.ownerToken()).get(query).then().statusCode(200).extract().jsonPath()
                .getList("findAll { it.key == '" + model + "' }")).isEmpty();
    }

    @Test
    void tooManyBucketsOrABadSplitIsA400() {
        asAdmin().get("/api/usage/series?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z&step=60").then()
                .statusCode(400).body("detail", containsString("buckets"));
        asAdmin().get("/api/usage/series?by=org").then().statusCode(400).body("detail", containsString("by"));
        asAdmin().get("/api/usage/series?from=yesterday").then().statusCode(400).body("detail", containsString("from"));
    }

    private void call(String model, Instant at, String status, int latency, String turn, String session, String cost) {
        pool.preparedQuery("insert into gateway.llm_calls (request_id, model, provider, status, input_tokens,"
                        + " output_tokens, latency_ms, ttft_ms, started_at, turn_id, session_id, cost_usd, org_id,"
                        + " deployment) values ($1, $2, 'sim', $3, 10, 5, $4, $4 / 2, $5, $6, $7, $8, $9, 'sim')")
                .execute(Tuple.from(Arrays.asList(UUID.randomUUID().toString(), model, status, latency,
                        at.atOffset(ZoneOffset.UTC), turn, session, cost == null ? BigDecimal.ZERO
                                : new BigDecimal(cost), DEFAULT_ORG)))
                .await().atMost(Duration.ofSeconds(5));
    }
}

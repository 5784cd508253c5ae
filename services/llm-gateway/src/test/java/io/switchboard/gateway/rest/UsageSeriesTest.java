package io.switchboard.gateway.rest;

import static io.switchboard.testing.Auth.as;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;
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

/**
 * The dashboards' series: the ledger in buckets, split by model, with percentiles, turns and sessions; its own
 * organization's, or the whole platform's for platform administrators.
 */
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
        // whole hours are counted as the hourly rollups count them: percentiles from histograms, within 9 %
        assertThat(series.getDouble(first + ".latencyP50")).isCloseTo(200, withinPercentage(9));
        assertThat(asAdmin().get(query.replace("step=3600", "step=1800")).then().statusCode(200).extract().jsonPath()
                .getDouble(first + ".latencyP50")).isEqualTo(200);
        assertThat(new BigDecimal(series.getString(first + ".costUsd"))).isEqualByComparingTo("0.75");
        String second = "find { it.key == '" + model + "' && it.bucket == '" + hour.plusSeconds(3600) + "' }";
        assertThat(series.getInt(second + ".errors")).isEqualTo(1);

        // another organization sees none of it
        TestOrgs.Org other = TestOrgs.create(pool, "other " + UUID.randomUUID());
        assertThat(as(other.ownerToken()).get(query).then().statusCode(200).extract().jsonPath()
                .getList("findAll { it.key == '" + model + "' }")).isEmpty();
    }

    @Test
    void aPlatformAdministratorSeesEveryOrganizationsCallsSplitByOrganization() {
        String model = "platform-" + UUID.randomUUID().toString().substring(0, 8);
        String name = "tenant " + UUID.randomUUID();
        TestOrgs.Org other = TestOrgs.create(pool, name);
        Instant hour = Instant.parse("2026-11-03T10:00:00Z");
        call(model, hour.plusSeconds(60), "ok", 100, "t1", "s1", "0.5", DEFAULT_ORG);
        call(model, hour.plusSeconds(61), "ok", 100, "t2", "s2", "0.25", other.id());
        call(model, hour.plusSeconds(62), "ok", 100, "t3", "s3", "0.25", other.id());
        String range = "/api/usage/series?from=" + hour + "&to=" + hour.plusSeconds(3600) + "&step=3600";

        JsonPath byOrg = asAdmin().get(range + "&scope=platform&by=org").then().statusCode(200).extract().jsonPath();
        assertThat(byOrg.getInt("find { it.key == '" + name + "' }.calls")).isEqualTo(2);
        assertThat(new BigDecimal(byOrg.getString("find { it.key == '" + name + "' }.costUsd")))
                .isEqualByComparingTo("0.5");
        assertThat(asAdmin().get(range + "&scope=platform&by=model").then().statusCode(200).extract().jsonPath()
                .getInt("find { it.key == '" + model + "' }.calls")).isEqualTo(3);
        // by default, and for anyone else, only the caller's organization
        assertThat(asAdmin().get(range + "&by=model").then().statusCode(200).extract().jsonPath()
                .getInt("find { it.key == '" + model + "' }.calls")).isEqualTo(1);
        as(other.ownerToken()).get(range + "&scope=platform").then().statusCode(403)
                .contentType("application/problem+json");
        as(other.ownerToken()).get(range + "&by=model").then().statusCode(200)
                .body("find { it.key == '" + model + "' }.calls", org.hamcrest.Matchers.equalTo(2));
    }

    @Test
    void tooManyBucketsOrABadSplitIsA400() {
        asAdmin().get("/api/usage/series?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z&step=60").then()
                .statusCode(400).body("detail", containsString("buckets"));
        asAdmin().get("/api/usage/series?by=org").then().statusCode(400).body("detail", containsString("by"));
        asAdmin().get("/api/usage/series?by=owner").then().statusCode(400).body("detail", containsString("by"));
        asAdmin().get("/api/usage/series?scope=world").then().statusCode(400).body("detail", containsString("scope"));
        asAdmin().get("/api/usage/series?from=yesterday").then().statusCode(400).body("detail", containsString("from"));
    }

    private void call(String model, Instant at, String status, int latency, String turn, String session, String cost) {
        call(model, at, status, latency, turn, session, cost, DEFAULT_ORG);
    }

    private void call(String model, Instant at, String status, int latency, String turn, String session, String cost,
                      UUID org) {
        pool.preparedQuery("insert into gateway.llm_calls (request_id, model, provider, status, input_tokens,"
                        + " output_tokens, latency_ms, ttft_ms, started_at, turn_id, session_id, cost_usd, org_id,"
                        + " deployment) values ($1, $2, 'sim', $3, 10, 5, $4, $4 / 2, $5, $6, $7, $8, $9, 'sim')")
                .execute(Tuple.from(Arrays.asList(UUID.randomUUID().toString(), model, status, latency,
                        at.atOffset(ZoneOffset.UTC), turn, session, cost == null ? BigDecimal.ZERO
                                : new BigDecimal(cost), org)))
                .await().atMost(Duration.ofSeconds(5));
    }
}

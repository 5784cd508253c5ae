package io.switchboard.gateway.usage;

import static io.switchboard.testing.Auth.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hourly rollups answer the dashboards' series as the ledger does (turns and sessions once per hour they had a call
 * in, percentiles within 9 %), go no further than the first hour with a running call, and outlive the calls they were
 * made from. (Rollups are off in tests: this test rolls by hand, and puts them back as it found them.)
 */
@QuarkusTest
class UsageRollupTest {
    private static final Instant DAY = Instant.parse("2026-10-05T00:00:00Z");

    @Inject
    Pool pool;

    @Inject
    UsageRollup rollup;

    @AfterEach
    void noRollups() {
        sql("delete from gateway.usage_hourly");
        sql("update gateway.usage_rollup set rolled_until = null");
    }

    @Test
    void theSeriesReadTheRollupsAsTheyReadTheLedgerAndAfterItsCallsAreGone() {
        TestOrgs.Org org = TestOrgs.create(pool, "rollups " + UUID.randomUUID());
        // session s1 has calls at 10:xx and 11:xx; s2 at 11:xx; the next day s3, and a call running from 11:59
        call(org, "a", 10, 5, "ok", 100, "t1", "s1", "0.5");
        call(org, "a", 10, 6, "ok", 200, "t1", "s1", "0.25");
        call(org, "b", 10, 50, "provider_error", 300, "t2", "s1", null);
        call(org, "a", 11, 10, "ok", 400, "t3", "s1", "0.125");
        call(org, "a", 11, 20, "ok", 1000, "t4", "s2", "0.125");
        call(org, "a", 24 + 9, 0, "ok", 50, "t5", "s3", "1");
        String running = call(org, "a", 24 + 11, 59, "running", 0, "t6", "s4", null);
        String days = "/api/usage/series?from=" + DAY + "&to=" + DAY.plus(Duration.ofDays(3)) + "&step=86400&by=model";

        JsonPath fromLedger = as(org.ownerToken()).get(days).then().statusCode(200).extract().jsonPath();
        assertDays(fromLedger);

        // rolled as if at 12:02:30 the next day: the hour of the running call is not rolled, though it ended
        Instant then = DAY.plus(Duration.ofHours(24 + 12)).plusSeconds(150);
        assertThat(rollup.roll(then, 1000).await().atMost(Duration.ofMinutes(2))).isTrue();
        assertThat(rolledUntil()).isEqualTo(DAY.plus(Duration.ofHours(24 + 11)));
        // the rollups answer alike, also once the calls of the first day are gone
        sql("delete from gateway.llm_calls where org_id = $1 and started_at < $2", org.id(), DAY.plusSeconds(86400));
        assertDays(as(org.ownerToken()).get(days).then().statusCode(200).extract().jsonPath());

        // by hour: s1 counts in both hours
        JsonPath hours = as(org.ownerToken()).get("/api/usage/series?from=" + DAY.plusSeconds(36000) + "&to="
                + DAY.plusSeconds(43200) + "&step=3600&by=all").then().statusCode(200).extract().jsonPath();
        assertThat(hours.getList("calls", Integer.class)).containsExactly(3, 2);
        assertThat(hours.getList("sessions", Integer.class)).containsExactly(1, 2);
        assertThat(hours.getList("errors", Integer.class)).containsExactly(1, 0);

        // the running call ends: read from the ledger until its hour is rolled too
        sql("update gateway.llm_calls set status = 'ok', latency_ms = 70 where request_id = $1", running);
        JsonPath next = as(org.ownerToken()).get(days).then().statusCode(200).extract().jsonPath();
        assertThat(next.getInt("find { it.key == 'a' && it.bucket == '" + DAY.plusSeconds(86400) + "' }.calls"))
                .isEqualTo(2);
        assertThat(rollup.roll(Instant.now(), 1000).await().atMost(Duration.ofMinutes(2))).isTrue();
        assertThat(rolledUntil()).isAfter(DAY.plus(Duration.ofDays(3)));
        sql("delete from gateway.llm_calls where org_id = $1", org.id());
        assertThat(as(org.ownerToken()).get(days).then().statusCode(200).extract().jsonPath()
                .getInt("find { it.key == 'a' && it.bucket == '" + DAY.plusSeconds(86400) + "' }.calls")).isEqualTo(2);
    }

    private static void assertDays(JsonPath series) {
        String a = "find { it.key == 'a' && it.bucket == '" + DAY + "' }";
        assertThat(series.getInt(a + ".calls")).isEqualTo(4);
        assertThat(series.getInt(a + ".errors")).isZero();
        assertThat(series.getInt(a + ".turns")).isEqualTo(3);
        assertThat(series.getInt(a + ".sessions")).isEqualTo(3); // s1 at 10 and at 11, s2 at 11
        assertThat(series.getInt(a + ".inputTokens")).isEqualTo(40);
        assertThat(new BigDecimal(series.getString(a + ".costUsd"))).isEqualByComparingTo("1");
        assertThat(series.getDouble(a + ".latencyP50")).isCloseTo(200, withinPercentage(9));
        assertThat(series.getDouble(a + ".latencyP99")).isCloseTo(1000, withinPercentage(9));
        assertThat(series.getDouble(a + ".ttftP50")).isCloseTo(100, withinPercentage(9));
        String b = "find { it.key == 'b' && it.bucket == '" + DAY + "' }";
        assertThat(series.getInt(b + ".calls")).isEqualTo(1);
        assertThat(series.getInt(b + ".errors")).isEqualTo(1);
        String nextDay = "find { it.key == 'a' && it.bucket == '" + DAY.plusSeconds(86400) + "' }";
        assertThat(series.getInt(nextDay + ".calls")).isEqualTo(1); // the running call is not counted
        assertThat(series.getDouble(nextDay + ".latencyP50")).isCloseTo(50, within(50 * 0.09));
        assertThat(series.getList("bucket")).doesNotContain(DAY.plus(Duration.ofDays(2)).toString());
    }

    private Instant rolledUntil() {
        return pool.query("select rolled_until from gateway.usage_rollup").execute().await()
                .atMost(Duration.ofSeconds(5)).iterator().next().getOffsetDateTime(0).toInstant();
    }

    private String call(TestOrgs.Org org, String model, int hour, int minute, String status, int latency, String turn,
                        String session, String cost) {
        String id = UUID.randomUUID().toString();
        pool.preparedQuery("insert into gateway.llm_calls (request_id, model, provider, status, input_tokens,"
                        + " output_tokens, latency_ms, ttft_ms, started_at, turn_id, session_id, cost_usd, org_id,"
                        + " deployment) values ($1, $2, 'sim', $3, 10, 5, $4, $4 / 2, $5, $6, $7, $8, $9, 'sim')")
                .execute(Tuple.from(Arrays.asList(id, model, status, latency,
                        DAY.plus(Duration.ofHours(hour)).plus(Duration.ofMinutes(minute)).atOffset(ZoneOffset.UTC),
                        turn, session, cost == null ? null : new BigDecimal(cost), org.id())))
                .await().atMost(Duration.ofSeconds(5));
        return id;
    }

    private void sql(String sql, Object... args) {
        pool.preparedQuery(sql).execute(Tuple.from(Arrays.stream(args)
                        .map(a -> a instanceof Instant i ? i.atOffset(ZoneOffset.UTC) : a).toList()))
                .await().atMost(Duration.ofSeconds(5));
    }
}

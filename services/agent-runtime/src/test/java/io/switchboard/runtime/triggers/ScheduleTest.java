package io.switchboard.runtime.triggers;

import static io.switchboard.testing.Auth.as;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.switchboard.testing.TestOrgs;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Schedules: each tick gives the agent the message as one turn (in one session, or a new one each time), ticks run one
 * after another without a gap, pausing stops them and resuming goes on from the next; ticks missed while nothing ran
 * are run late back to the catch-up window (10 s in tests), older ones skipped.
 */
@QuarkusTest
class ScheduleTest {
    @Inject
    Pool pool;

    @Inject
    ObjectMapper json;

    @Test
    void aScheduleRunsItsAgentAtEachTickInOneSessionUntilPaused() throws InterruptedException {
        String agent = agent();
        JsonPath made = asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent, "cron", "* * * * * *",
                        "message", "the hourly report", "sessionMode", "reuse")).post("/api/schedules")
                .then().statusCode(201).extract().jsonPath();
        String id = made.getString("id");
        List<String> next = made.getList("nextRuns");
        assertThat(next).hasSize(5);
        assertThat(Duration.between(Instant.parse(next.get(0)), Instant.parse(next.get(1)))).hasSeconds(1);

        JsonPath ran = await().atMost(Duration.ofSeconds(15)).until(() -> schedule(id),
                s -> s.getList("lastRuns").size() >= 3);
        List<Instant> ticks = ran.<String>getList("lastRuns.tick").stream().map(Instant::parse).toList();
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(Duration.between(ticks.get(i), ticks.get(i - 1))).as("no tick missed").hasSeconds(1);
        }
        assertThat(ran.<String>getList("lastRuns.sessionId")).containsOnly(made.getString("sessionId"));
        for (String turn : ran.<String>getList("lastRuns.turnId")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> count("select count(*) from runtime.turns where id = $1",
                    UUID.fromString(turn)) == 1);
        }

        JsonPath paused = asAdmin().post("/api/schedules/" + id + "/pause").then().statusCode(200).extract()
                .jsonPath();
        assertThat(paused.getBoolean("paused")).isTrue();
        assertThat(paused.getList("nextRuns")).isEmpty();
        Thread.sleep(1500); // a tick under way when it was paused may still end
        int afterPause = schedule(id).getList("lastRuns").size();
        Thread.sleep(2000);
        assertThat(schedule(id).getList("lastRuns")).hasSize(afterPause);

        asAdmin().post("/api/schedules/" + id + "/resume").then().statusCode(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> schedule(id).getList("lastRuns").size() > afterPause);

        as(TestOrgs.create(pool, "other " + UUID.randomUUID()).ownerToken()).get("/api/schedules/" + id).then()
                .statusCode(404);
        asAdmin().delete("/api/schedules/" + id).then().statusCode(204);
        asAdmin().get("/api/schedules/" + id).then().statusCode(404);
    }

    @Test
    void aNewSessionEachTickWhenAsked() {
        String agent = agent();
        String id = asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent, "cron", "* * * * * *",
                "message", "check the queue")).post("/api/schedules").then().statusCode(201).extract().path("id");
        JsonPath ran = await().atMost(Duration.ofSeconds(15)).until(() -> schedule(id),
                s -> s.getList("lastRuns").size() >= 2);
        assertThat(ran.<String>getList("lastRuns.sessionId")).doesNotHaveDuplicates();
        // its tick is not cancelled on the jobs page: the schedule is paused
        asAdmin().post("/api/jobs/schedule/" + id + "/cancel").then().statusCode(409)
                .body("detail", containsString("pause"));
        asAdmin().delete("/api/schedules/" + id).then().statusCode(204);
    }

    @Test
    void ticksMissedWhileNothingRanAreRunLateBackToTheCatchUpWindow() throws Exception {
        String agent = agent();
        String id = asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent, "cron", "*/2 * * * * *",
                "message", "catch up")).post("/api/schedules").then().statusCode(201).extract().path("id");
        asAdmin().post("/api/schedules/" + id + "/pause").then().statusCode(200);
        // as if the platform had been down for a minute: the schedule's job waits on a tick a minute old
        Instant now = Instant.now();
        Instant minuteAgo = Instant.ofEpochSecond(now.minusSeconds(60).getEpochSecond() / 2 * 2);
        byte[] tick = json.writeValueAsBytes(new Schedules.Tick(UUID.fromString(id), minuteAgo));
        pool.withTransaction(tx -> tx.preparedQuery("update runtime.schedules set paused = false where id = $1")
                        .execute(Tuple.of(UUID.fromString(id)))
                .flatMap(x -> tx.preparedQuery("insert into runtime_jobs.scheduled_tasks (task_name, task_instance,"
                        + " task_data, execution_time, picked, version) values ('schedule', $1, $2, $3, false, 1)")
                        .execute(Tuple.of(id, Buffer.buffer(tick), minuteAgo.atOffset(ZoneOffset.UTC)))))
                .await().atMost(Duration.ofSeconds(5));

        JsonPath ran = await().atMost(Duration.ofSeconds(15)).until(() -> schedule(id),
                s -> s.getList("lastRuns").size() >= 6);
        List<Instant> ticks = ran.<String>getList("lastRuns.tick").stream().map(Instant::parse).toList();
        Instant oldest = ticks.get(ticks.size() - 1);
        assertThat(oldest).as("the ticks older than the window were skipped")
                .isAfterOrEqualTo(now.minusSeconds(12)).isBefore(now.minusSeconds(6));
        for (int i = 1; i < ticks.size(); i++) {
            assertThat(Duration.between(ticks.get(i), ticks.get(i - 1))).as("each later tick run").hasSeconds(2);
        }
        asAdmin().delete("/api/schedules/" + id).then().statusCode(204);
    }

    @Test
    void aScheduleThatCannotRunIsRefusedWithTheReason() {
        String agent = agent();
        for (Object[] bad : new Object[][] {
                {Map.of("agentId", agent, "cron", "every day", "message", "x"), "cron"},
                {Map.of("agentId", agent, "cron", "61 * * * *", "message", "x"), "cron"},
                {Map.of("agentId", agent, "cron", "0 9 * * *", "timezone", "Mars/Olympus", "message", "x"),
                        "timezone"},
                {Map.of("agentId", agent, "cron", "0 9 * * *", "message", " "), "message"},
                {Map.of("agentId", agent, "cron", "0 9 * * *", "message", "x", "sessionMode", "some"),
                        "sessionMode"},
                {Map.of("agentId", UUID.randomUUID().toString(), "cron", "0 9 * * *", "message", "x"), "agentId"},
                {Map.of("cron", "0 9 * * *", "message", "x"), "agentId"}}) {
            asAdmin().contentType(ContentType.JSON).body(bad[0]).post("/api/schedules").then().statusCode(400)
                    .contentType("application/problem+json").body("detail", containsString((String) bad[1]));
        }
        String viewer = TestOrgs.token(pool, UUID.fromString("00000000-0000-0000-0000-000000000001"), "viewer");
        as(viewer).contentType(ContentType.JSON).body(Map.of("agentId", agent, "cron", "0 9 * * *", "message", "x"))
                .post("/api/schedules").then().statusCode(403);
    }

    private static String agent() {
        return asAdmin().contentType(ContentType.JSON).body(Map.of("name", "scheduled " + UUID.randomUUID(),
                "model", "sim")).post("/api/agents").then().statusCode(201).extract().path("id");
    }

    private static JsonPath schedule(String id) {
        return asAdmin().get("/api/schedules/" + id).then().statusCode(200).extract().jsonPath();
    }

    private long count(String sql, Object param) {
        return pool.preparedQuery(sql).execute(Tuple.of(param)).await().atMost(Duration.ofSeconds(5)).iterator()
                .next().getLong(0);
    }
}

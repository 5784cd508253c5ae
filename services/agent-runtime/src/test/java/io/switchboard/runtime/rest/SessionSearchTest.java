package io.switchboard.runtime.rest;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The session list's filters: by agent, status (the newest turn's), start time, cost and error code. */
@QuarkusTest
class SessionSearchTest {
    @Inject
    Pool pool;

    private String agent;
    private String other;
    private String failed;
    private String dear;
    private String idle;
    private Instant start;

    @BeforeEach
    void sessions() {
        start = Instant.now();
        agent = agent("searched " + UUID.randomUUID());
        other = agent("other " + UUID.randomUUID());
        failed = session(agent);
        turn(failed, "completed", null, "0.002");
        turn(failed, "failed", "provider_error", null);
        dear = session(agent);
        turn(dear, "completed", null, "0.75");
        turn(dear, "completed", null, "0.50");
        idle = session(other);
    }

    @Test
    void eachFilterNarrowsTheList() {
        assertThat(ids("agentId=" + agent)).containsExactly(dear, failed);
        assertThat(ids("agentId=" + other)).containsExactly(idle);
        assertThat(ids("agentId=" + agent + "&status=failed")).containsExactly(failed);
        assertThat(ids("agentId=" + other + "&status=idle")).containsExactly(idle);
        assertThat(ids("agentId=" + agent + "&errorCode=provider_error")).containsExactly(failed);
        assertThat(ids("agentId=" + agent + "&minCostUsd=1")).containsExactly(dear);
        assertThat(ids("agentId=" + agent + "&since=" + start.minusSeconds(60))).containsExactly(dear, failed);
        assertThat(ids("agentId=" + agent + "&until=" + start.minusSeconds(60))).isEmpty();

        Map<String, Object> row = asAdmin().get("/api/sessions?agentId=" + agent + "&minCostUsd=1").then()
                .statusCode(200).extract().jsonPath().getMap("[0]");
        assertThat(row).containsEntry("turns", 2).containsEntry("status", "completed");
        assertThat(new BigDecimal(row.get("costUsd").toString())).isEqualByComparingTo("1.25");
        Map<String, Object> broken = asAdmin().get("/api/sessions?agentId=" + agent + "&status=failed").then()
                .extract().jsonPath().getMap("[0]");
        assertThat(broken).containsEntry("lastErrorCode", "provider_error");
    }

    @Test
    void aBadFilterIsA400NamingIt() {
        for (String[] bad : List.of(new String[] {"status=exploded", "status"},
                new String[] {"since=yesterday", "since"}, new String[] {"minCostUsd=-1", "minCostUsd"},
                new String[] {"minCostUsd=lots", "minCostUsd"}, new String[] {"agentId=nope", "agentId"})) {
            asAdmin().get("/api/sessions?" + bad[0]).then().statusCode(400)
                    .contentType("application/problem+json").body("detail", containsString(bad[1]));
        }
    }

    private List<String> ids(String query) {
        return asAdmin().get("/api/sessions?" + query).then().statusCode(200).extract().jsonPath().getList("id");
    }

    private static String agent(String name) {
        return asAdmin().contentType(ContentType.JSON).body(Map.of("name", name, "model", "sim"))
                .post("/api/agents").then().statusCode(201).extract().path("id");
    }

    private static String session(String agent) {
        return asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent)).post("/api/sessions")
                .then().statusCode(201).extract().path("id");
    }

    /** A turn as a runner leaves it when it ended, a millisecond after the session's previous one. */
    private void turn(String session, String status, String errorCode, String cost) {
        pool.preparedQuery("insert into runtime.turns (id, session_id, user_text, status, error_code, cost_usd,"
                        + " created_at) values ($1, $2, 'hi', $3, $4, $5, now() + (select count(*) from"
                        + " runtime.turns where session_id = $2) * interval '1 millisecond')")
                .execute(Tuple.of(UUID.randomUUID(), UUID.fromString(session), status, errorCode,
                        cost == null ? null : new BigDecimal(cost)))
                .await().atMost(Duration.ofSeconds(5));
    }
}

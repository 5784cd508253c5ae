package io.switchboard.runtime.triggers;

import static io.switchboard.testing.Auth.as;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.testing.TestOrgs;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The bound on turns nobody typed, per agent and per organization: a place is held while its turn is unfinished, and
 * freed when it ends; claiming again for the same turn does not take a second place.
 */
@QuarkusTest
class BackgroundTurnsTest {
    @Inject
    BackgroundTurns background;

    @Inject
    Pool pool;

    @Test
    void placesAreBoundedPerAgentAndPerOrganizationAndFreedWhenTurnsEnd() {
        String owner = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "busy " + UUID.randomUUID()))
                .post("/api/orgs").then().statusCode(201).extract().path("token");
        UUID org = UUID.fromString(as(owner).get("/api/me").then().statusCode(200).extract().path("orgId"));
        UUID agent = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        UUID first = UUID.randomUUID();
        assertThat(claim(org, agent, first)).isTrue();
        assertThat(claim(org, agent, UUID.randomUUID())).isTrue();
        assertThat(claim(org, agent, UUID.randomUUID())).as("two per agent").isFalse();
        assertThat(claim(org, agent, first)).as("the same turn again").isTrue();
        assertThat(claim(org, other, UUID.randomUUID())).isTrue();
        assertThat(claim(org, other, UUID.randomUUID())).as("three per organization").isFalse();
        assertThat(claim(TestOrgs.create(pool, "idle " + UUID.randomUUID()).id(), agent, UUID.randomUUID()))
                .as("another organization's places are its own").isTrue();

        // the first turn ends: its place is free again
        String agentId = as(owner).contentType(ContentType.JSON).body(Map.of("name", "bot", "model", "sim"))
                .post("/api/agents").then().statusCode(201).extract().path("id");
        String session = as(owner).contentType(ContentType.JSON).body(Map.of("agentId", agentId))
                .post("/api/sessions").then().statusCode(201).extract().path("id");
        pool.preparedQuery("insert into runtime.turns (id, session_id, user_text, status) values ($1, $2, 'tick',"
                + " 'completed')").execute(Tuple.of(first, UUID.fromString(session)))
                .await().atMost(Duration.ofSeconds(5));
        assertThat(claim(org, agent, UUID.randomUUID())).isTrue();
    }

    private boolean claim(UUID org, UUID agent, UUID turn) {
        return background.claim(org, agent, turn, 3, 2).await().atMost(Duration.ofSeconds(5));
    }
}

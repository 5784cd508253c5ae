package io.switchboard.evals.rest;

import static io.switchboard.testing.Auth.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.evals.repository.EvalRepository;
import io.switchboard.testing.TestOrgs;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Two organizations on one eval-runner: each one's suites and runs are the other's 404s and never in its lists, and a
 * viewer reads but does not write. (Suites are stored directly: no agent-runtime runs here to check their agents.)
 */
@QuarkusTest
class TenancyTest {
    @Inject
    Pool pool;

    @Inject
    EvalRepository repository;

    @Test
    void suitesAndRunsStayInTheirOrganization() {
        TestOrgs.Org mine = TestOrgs.create(pool, "mine " + UUID.randomUUID());
        TestOrgs.Org other = TestOrgs.create(pool, "other " + UUID.randomUUID());
        EvalRepository.Suite suite = repository.createSuite(mine.id(), "private suite", UUID.randomUUID(),
                List.of(new EvalRepository.Case(0, "hi", "hi"))).await().atMost(Duration.ofSeconds(5));
        EvalRepository.Run run = repository.startRun(suite.id()).await().atMost(Duration.ofSeconds(5));

        as(mine.ownerToken()).get("/api/suites").then().statusCode(200).body("id", hasItem(suite.id().toString()));
        as(mine.ownerToken()).get("/api/runs/" + run.id()).then().statusCode(200)
                .body("suite.name", equalTo("private suite"));

        as(other.ownerToken()).get("/api/suites").then().statusCode(200)
                .body("id", not(hasItem(suite.id().toString())));
        as(other.ownerToken()).get("/api/suites/" + suite.id()).then().statusCode(404)
                .contentType("application/problem+json");
        as(other.ownerToken()).post("/api/suites/" + suite.id() + "/runs").then().statusCode(404);
        as(other.ownerToken()).get("/api/runs/" + run.id()).then().statusCode(404);

        String viewer = TestOrgs.token(pool, mine.id(), "viewer");
        as(viewer).get("/api/suites/" + suite.id()).then().statusCode(200);
        as(viewer).post("/api/suites/" + suite.id() + "/runs").then().statusCode(403)
                .contentType("application/problem+json");
        as(viewer).contentType(ContentType.JSON).body(Map.of("name", "x", "agentId", UUID.randomUUID().toString(),
                "cases", List.of(Map.of("input", "a", "expectContains", "b")))).post("/api/suites")
                .then().statusCode(403);
    }
}

package io.switchboard.evals.rest;

import static io.switchboard.testing.Auth.as;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.evals.repository.EvalRepository;
import io.switchboard.evals.suite.SuiteParser;
import io.switchboard.testing.TestOrgs;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
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
        JsonNode document = new SuiteParser(10).parse(BadInputTest.SUITE.replace("\"s\"", "\"private suite\""))
                .document();
        EvalRepository.Suite suite = repository.saveSuite(mine.id(), "private suite", UUID.randomUUID(), document,
                null, null).await().atMost(Duration.ofSeconds(5)).suite();
        // a finished run (no runner holds it, so no replica takes it up)
        EvalRepository.Run run = repository.startRun(suite, document, 1, "sim", null, 1, "api", "j", "nobody",
                Duration.ofSeconds(30)).await().atMost(Duration.ofSeconds(5));
        repository.finishRun(run.id(), "nobody", EvalRepository.Run.COMPLETED, null).await().atMost(Duration.ofSeconds(5));

        as(mine.ownerToken()).get("/api/suites").then().statusCode(200).body("id", hasItem(suite.id().toString()));
        as(mine.ownerToken()).get("/api/runs/" + run.id()).then().statusCode(200)
                .body("suiteName", equalTo("private suite"));

        as(other.ownerToken()).get("/api/suites").then().statusCode(200)
                .body("id", not(hasItem(suite.id().toString())));
        as(other.ownerToken()).get("/api/suites/" + suite.id()).then().statusCode(404)
                .contentType("application/problem+json");
        as(other.ownerToken()).contentType(ContentType.JSON).body("{}").post("/api/suites/" + suite.id() + "/runs")
                .then().statusCode(404);
        as(other.ownerToken()).get("/api/runs/" + run.id()).then().statusCode(404);
        as(other.ownerToken()).get("/api/runs/" + run.id() + "/junit").then().statusCode(404);

        String viewer = TestOrgs.token(pool, mine.id(), "viewer");
        as(viewer).get("/api/suites/" + suite.id()).then().statusCode(200);
        as(viewer).contentType(ContentType.JSON).body("{}").post("/api/suites/" + suite.id() + "/runs")
                .then().statusCode(403)
                .contentType("application/problem+json");
        as(viewer).contentType(ContentType.JSON).body(BadInputTest.SUITE).post("/api/suites").then().statusCode(403);
    }
}

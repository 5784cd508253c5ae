package io.switchboard.evals.rest;

import static io.switchboard.testing.Auth.asAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Bad input gets problem+json and stores nothing. (Runs that reach agents are covered end to end in e2e.) */
@QuarkusTest
class SuiteApiTest {

    @Test
    void malformedDocumentsAre400Problems() {
        asAdmin().contentType(ContentType.JSON).body("{").post("/api/suites")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("not valid YAML or JSON"));
        asAdmin().contentType("application/yaml").body(("name: s\nagent: a\ncases:\n  - name: c\n    turns:\n"
                        + "      - user: hi\n        expect:\n          - containz: hi\n").getBytes(StandardCharsets.UTF_8))
                .post("/api/suites").then().statusCode(400)
                .body("detail", containsString("line 8, cases[0].turns[0].expect[0].containz: unknown expectation"));
        asAdmin().contentType("application/yaml").body("name: s\ncases: []".getBytes(StandardCharsets.UTF_8))
                .post("/api/suites")
                .then().statusCode(400).body("detail", equalTo("line 1, agent: is required"));
        asAdmin().get("/api/suites").then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void anAgentThatCannotBeCheckedIsNotAcceptedBlindly() {
        // no agent-runtime runs in this test: the suite is refused with 503, not stored
        asAdmin().contentType(ContentType.JSON).body(BadInputTest.SUITE)
                .post("/api/suites").then().statusCode(503).contentType("application/problem+json");
        asAdmin().get("/api/suites").then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void unknownSuiteOrRunIs404() {
        asAdmin().get("/api/suites/" + UUID.randomUUID()).then().statusCode(404);
        asAdmin().contentType(ContentType.JSON).body("{}").post("/api/suites/" + UUID.randomUUID() + "/runs")
                .then().statusCode(404);
        asAdmin().get("/api/runs/not-a-uuid").then().statusCode(404);
        asAdmin().get("/api/runs/" + UUID.randomUUID() + "/report").then().statusCode(404);
    }
}

package io.switchboard.evals.rest;

import static io.switchboard.testing.Auth.asAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Bad input gets problem+json and stores nothing. (Runs that reach agents are covered end to end in e2e.) */
@QuarkusTest
class SuiteApiTest {

    @Test
    void malformedJsonIsA400Problem() {
        asAdmin().contentType(ContentType.JSON).body("{").post("/api/suites")
                .then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void aSuiteNeedsNameAgentAndCompleteCases() {
        asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", UUID.randomUUID().toString(),
                        "cases", List.of(Map.of("input", "hi", "expectContains", "hi"))))
                .post("/api/suites").then().statusCode(400).body("detail", containsString("name"));
        asAdmin().contentType(ContentType.JSON).body(Map.of("name", "s", "agentId", UUID.randomUUID().toString(),
                        "cases", List.of()))
                .post("/api/suites").then().statusCode(400).body("detail", containsString("cases"));
        asAdmin().contentType(ContentType.JSON).body(Map.of("name", "s", "agentId", UUID.randomUUID().toString(),
                        "cases", List.of(Map.of("input", "hi"))))
                .post("/api/suites").then().statusCode(400).body("detail", containsString("expectContains"));
        asAdmin().get("/api/suites").then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void anAgentThatCannotBeCheckedIsNotAcceptedBlindly() {
        // no agent-runtime runs in this test: the suite is refused with 503, not stored
        asAdmin().contentType(ContentType.JSON).body(Map.of("name", "s", "agentId", UUID.randomUUID().toString(),
                        "cases", List.of(Map.of("input", "hi", "expectContains", "hi"))))
                .post("/api/suites").then().statusCode(503).contentType("application/problem+json");
        asAdmin().get("/api/suites").then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void unknownSuiteOrRunIs404() {
        asAdmin().get("/api/suites/" + UUID.randomUUID()).then().statusCode(404);
        asAdmin().post("/api/suites/" + UUID.randomUUID() + "/runs").then().statusCode(404);
        asAdmin().get("/api/runs/not-a-uuid").then().statusCode(404);
    }
}

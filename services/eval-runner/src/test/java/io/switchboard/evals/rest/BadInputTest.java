package io.switchboard.evals.rest;

import static io.switchboard.testing.Auth.asAdmin;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.testing.BadInput;
import java.net.URI;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Bad input to every write endpoint is a 4xx problem+json naming what was wrong; no suite is stored. */
@QuarkusTest
class BadInputTest {

    @TestHTTPResource("/")
    URI base;

    @Test
    void everyWriteEndpointAnswersBadInputWithAProblemNamingTheField() {
        // valid, but no agent-runtime runs in this test to check the agent: 503
        new BadInput(base, SuiteResource.class)
                .body("POST /api/suites", "/api/suites", "{\"name\":\"s\",\"agentId\":\"" + UUID.randomUUID()
                        + "\",\"cases\":[{\"input\":\"hi\",\"expectContains\":\"hi\"}]}", 503, "name", "agentId", "cases")
                .check();
        asAdmin().get("/api/suites").then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void aCaseOfTheWrongShapeIsNamed() {
        asAdmin().contentType(ContentType.JSON).body("{\"name\":\"s\",\"agentId\":\"a\",\"cases\":[{\"input\":[\"hi\"]}]}")
                .post("/api/suites").then().statusCode(400).contentType("application/problem+json")
                .body("detail", equalTo("cases[0].input: expected a string, got an array"));
        asAdmin().contentType(ContentType.JSON).body("{\"name\":\"s\\u0000\",\"agentId\":\"a\",\"cases\":[]}")
                .post("/api/suites").then().statusCode(400).contentType("application/problem+json")
                .body("detail", equalTo("name contains a NUL character (\\u0000), which cannot be stored"));
    }
}

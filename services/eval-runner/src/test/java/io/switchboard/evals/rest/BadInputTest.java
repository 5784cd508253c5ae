package io.switchboard.evals.rest;

import static io.switchboard.testing.Auth.asAdmin;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.testing.BadInput;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Bad input to every write endpoint is a 4xx problem+json naming what was wrong; no suite is stored. */
@QuarkusTest
class BadInputTest {
    static final String SUITE = "{\"name\":\"s\",\"agent\":\"" + UUID.randomUUID() + "\",\"cases\":[{\"name\":\"c\","
            + "\"turns\":[{\"user\":\"hi\",\"expect\":[{\"contains\":\"hi\"}]}]}]}";

    @TestHTTPResource("/")
    URI base;

    @Test
    void everyWriteEndpointAnswersBadInputWithAProblemNamingTheField() {
        String suite = UUID.randomUUID().toString();
        // valid, but no agent-runtime runs in this test to check the agent: 503; the suite and run do not exist: 404
        new BadInput(base, SuiteResource.class)
                .body("POST /api/suites", "/api/suites", SUITE, 503)
                .body("PUT /api/suites/{id}", "/api/suites/" + suite, SUITE, 503)
                .body("POST /api/suites/{id}/runs", "/api/suites/" + suite + "/runs", "{\"baseline\":\"last\"}", 404)
                // no suite of that name: 400 (the gate is never passed blindly)
                .body("POST /api/gate", "/api/gate", "{\"agentId\":\"" + UUID.randomUUID() + "\",\"version\":1,"
                        + "\"suites\":[\"nothing\"]}", 400, "agentId", "version", "suites")
                .check();
        asAdmin().get("/api/suites").then().statusCode(200).body("size()", equalTo(0));
    }

    @Test
    void aBadDocumentIsRefusedNamingItsLineAndField() {
        asAdmin().contentType("application/yaml").body(("name: s\nagent: a\ncases:\n  - name: c\n    turns:\n"
                        + "      - user: [hi]\n").getBytes(StandardCharsets.UTF_8))
                .post("/api/suites").then().statusCode(400).contentType("application/problem+json")
                .body("detail", equalTo("line 6, cases[0].turns[0].user: expected text"));
        asAdmin().contentType(ContentType.JSON).body("{\"name\":\"s\\u0000\",\"agent\":\"a\",\"cases\":[]}")
                .post("/api/suites").then().statusCode(400).contentType("application/problem+json")
                .body("detail", equalTo("line 1, name: the text contains a NUL character (\\u0000), which cannot"
                        + " be stored"));
    }
}

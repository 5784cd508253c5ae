package io.switchboard.gateway.rest;

import static io.switchboard.testing.Auth.asAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.testing.BadInput;
import java.net.URI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input to every write endpoint of the management API is a 4xx problem+json naming what was wrong; none reaches
 * the database. (The vendor front doors answer in the vendors' shapes: see their own tests.)
 */
@QuarkusTest
class BadInputTest {

    @TestHTTPResource("/")
    URI base;

    @AfterEach
    void forgetTheDeployment() {
        asAdmin().delete("/api/deployments/bad-input");
        asAdmin().delete("/api/budget");
    }

    @Test
    void everyWriteEndpointAnswersBadInputWithAProblemNamingTheField() {
        new BadInput(base, DeploymentResource.class)
                .body("PUT /api/deployments/{name}", "/api/deployments/bad-input", "{\"provider\":\"openai-compatible\","
                        + "\"baseUrl\":\"http://127.0.0.1:1/v1\",\"model\":\"m\",\"maxRetries\":1,\"weight\":2,"
                        + "\"maxConcurrent\":3,\"requestsPerMinute\":60,\"tokensPerMinute\":1000}", 200,
                        "provider", "baseUrl", "model")
                .body("PUT /api/aliases/{name}", "/api/aliases/bad-input-alias",
                        "{\"deployments\":[\"sim\"],\"strategy\":\"priority\"}", 200, "deployments")
                .body("POST /api/keys", "/api/keys", "{\"name\":\"bad input\",\"requestsPerMinute\":60,"
                        + "\"budgetUsd\":1.5}", 201, "name")
                .body("PUT /api/budget", "/api/budget", "{\"monthlyUsd\":1000}", 200, "monthlyUsd")
                .check();
    }

    @Test
    void budgetsPastWhatTheColumnHoldsAreProblems() {
        for (String budget : new String[] {"1e10", "1e-5000", "-1"}) {
            asAdmin().contentType(ContentType.JSON).body("{\"name\":\"k\",\"budgetUsd\":" + budget + "}")
                    .post("/api/keys").then().statusCode(400).contentType("application/problem+json")
                    .body("detail", containsString("budgetUsd"));
        }
        asAdmin().contentType(ContentType.JSON).body("{\"deployments\":[null]}").put("/api/aliases/a1")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("deployments"));
        asAdmin().contentType(ContentType.JSON).body("{\"deployments\":\"sim\"}").put("/api/aliases/a1")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", equalTo("deployments: expected an array of strings, got a string"));
    }
}

package io.switchboard.runtime.rest;

import static io.switchboard.testing.Auth.asAdmin;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Agents are immutable versions: edits add one, sessions keep theirs, publishing picks what new sessions get. */
@QuarkusTest
class AgentVersionsTest {

    @Test
    void editingAddsAVersionThatNewSessionsGetWhileOldSessionsKeepTheirs() {
        String id = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "v", "model", "sim",
                "systemPrompt", "First."))
                .post("/api/agents").then().statusCode(201).body("version", equalTo(1))
                .body("publishedVersion", equalTo(1)).extract().path("id");
        String before = session(id, null);

        asAdmin().contentType(ContentType.JSON).body(Map.of("name", "v", "model", "sim", "systemPrompt", "Second."))
                .put("/api/agents/" + id).then().statusCode(200).body("version", equalTo(2))
                .body("publishedVersion", equalTo(2)).body("latestVersion", equalTo(2));
        String after = session(id, null);
        asAdmin().get("/api/sessions/" + before).then().body("agentVersion", equalTo(1));
        asAdmin().get("/api/sessions/" + after).then().body("agentVersion", equalTo(2));
        asAdmin().get("/api/agents/" + id + "/versions").then().statusCode(200)
                .body("version", contains(2, 1)).body("systemPrompt", contains("Second.", "First."));

        // a draft: a new version nobody gets until it is published
        asAdmin().contentType(ContentType.JSON).body(Map.of("name", "v", "model", "sim", "systemPrompt", "Draft.",
                "publish", false)).put("/api/agents/" + id).then().statusCode(200)
                .body("version", equalTo(3)).body("publishedVersion", equalTo(2));
        asAdmin().get("/api/agents/" + id).then().body("systemPrompt", equalTo("Second."));
        asAdmin().get("/api/sessions/" + session(id, 3)).then().body("agentVersion", equalTo(3));

        // roll back
        asAdmin().contentType(ContentType.JSON).body(Map.of("version", 1)).post("/api/agents/" + id + "/publish")
                .then().statusCode(200).body("version", equalTo(1)).body("systemPrompt", equalTo("First."));
        asAdmin().get("/api/sessions/" + session(id, null)).then().body("agentVersion", equalTo(1));
    }

    @Test
    void unknownAgentsAndVersionsAre404AndBadInput400() {
        String id = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "w", "model", "sim"))
                .post("/api/agents").then().statusCode(201).extract().path("id");
        asAdmin().contentType(ContentType.JSON).body(Map.of("version", 7)).post("/api/agents/" + id + "/publish")
                .then().statusCode(404).contentType("application/problem+json");
        asAdmin().contentType(ContentType.JSON).body(Map.of()).post("/api/agents/" + id + "/publish")
                .then().statusCode(400);
        asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", id, "version", 9)).post("/api/sessions")
                .then().statusCode(404).body("detail", containsString("no version 9"));
        asAdmin().contentType(ContentType.JSON).body(Map.of("name", "x", "model", "sim"))
                .put("/api/agents/" + UUID.randomUUID()).then().statusCode(404);
        asAdmin().get("/api/agents/" + UUID.randomUUID() + "/versions").then().statusCode(404);
        asAdmin().contentType(ContentType.JSON).body(Map.of("name", "x")).put("/api/agents/" + id)
                .then().statusCode(400).body("detail", containsString("model"));
    }

    private static String session(String agentId, Integer version) {
        Map<String, Object> body = version == null ? Map.of("agentId", agentId)
                : Map.of("agentId", agentId, "version", version);
        return asAdmin().contentType(ContentType.JSON).body(body).post("/api/sessions").then().statusCode(201)
                .extract().path("id");
    }
}

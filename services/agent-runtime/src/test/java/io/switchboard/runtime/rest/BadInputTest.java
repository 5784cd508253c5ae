package io.switchboard.runtime.rest;

import static io.switchboard.testing.Auth.asAdmin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.testing.BadInput;
import java.net.URI;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Bad input to every write endpoint is a 4xx problem+json naming what was wrong; none reaches the database. */
@QuarkusTest
class BadInputTest {
    private static final String AGENT = "{\"name\":\"bad-input\",\"model\":\"sim\",\"systemPrompt\":\"Be brief.\","
            + "\"tools\":[\"clock\",\"calculator\"],\"httpAllowedHosts\":[\"api.example.com\"],"
            + "\"limits\":{\"maxToolRounds\":3,\"maxTurnSeconds\":60,\"maxTurnTokens\":5000},\"onBusy\":\"queue\","
            + "\"approvalRequired\":[\"calculator\"],\"context\":{\"maxTokens\":4000,\"strategy\":\"drop_oldest\"},"
            + "\"subAgents\":[],\"publish\":true}";

    @TestHTTPResource("/")
    URI base;

    @Test
    void everyWriteEndpointAnswersBadInputWithAProblemNamingTheField() {
        String agent = asAdmin().contentType(ContentType.JSON).body(AGENT).post("/api/agents").then().statusCode(201)
                .extract().path("id");
        String session = asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent)).post("/api/sessions")
                .then().statusCode(201).extract().path("id");
        String tool = "{\"description\":\"Weather\",\"method\":\"GET\",\"url\":\"https://api.example.com/{city}\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}},"
                + "\"headers\":{\"X-Units\":\"metric\"}}";
        // a valid body, refused only when connecting: the SSRF guard does not trust localhost in tests
        String mcp = "{\"url\":\"" + base.resolve("mcp") + "\",\"headers\":{\"Authorization\":\"Bearer sb_test_admin_token\"}}";
        String hook = asAdmin().contentType(ContentType.JSON).body("{\"agentId\":\"" + agent + "\",\"name\":\"target "
                + UUID.randomUUID() + "\",\"template\":\"hi\"}").post("/api/webhooks").then().statusCode(201)
                .extract().path("id");
        new BadInput(base, AgentResource.class)
                .body("POST /api/agents", "/api/agents", AGENT, 201, "name", "model")
                .body("PUT /api/agents/{id}", "/api/agents/" + agent, AGENT, 200, "name", "model")
                .body("POST /api/agents/{id}/publish", "/api/agents/" + agent + "/publish", "{\"version\":1}", 200,
                        "version")
                .body("POST /api/sessions", "/api/sessions", "{\"agentId\":\"" + agent + "\",\"version\":1}", 201,
                        "agentId")
                .body("POST /api/sessions/{id}/messages", "/api/sessions/" + session + "/messages",
                        "{\"text\":\"hi\"}", 202, "text")
                // the session has no model call yet: a well-formed replay is told so
                .body("POST /api/sessions/{id}/calls/{requestId: .+}/replay", "/api/sessions/" + session
                        + "/calls/none/replay", "{\"model\":\"sim\",\"systemPrompt\":\"Be brief.\"}", 404, "model")
                .body("POST /api/approvals/{id}", "/api/approvals/" + UUID.randomUUID(),
                        "{\"decision\":\"deny\",\"reason\":\"no\"}", 404, "decision")
                .body("PUT /api/tools/{name}", "/api/tools/bad-input", tool, 200, "description", "url")
                .body("PUT /api/secrets/{name}", "/api/secrets/bad-input", "{\"value\":\"v\",\"hosts\":[\"a.example\"]}", 204, "value")
                .body("PUT /api/mcp-servers/{name}", "/api/mcp-servers/self", mcp, 400, "url")
                .body("POST /api/orgs", "/api/orgs", "{\"name\":\"bad-input\"}", 201, "name")
                .body("PATCH /api/org", "/api/org", "{\"captureContent\":false}", 200, "captureContent")
                .body("POST /api/schedules", "/api/schedules", "{\"agentId\":\"" + agent + "\",\"cron\":\"0 9 * * *\","
                        + "\"message\":\"the report\"}", 201, "agentId", "cron", "message")
                .body("POST /api/webhooks", "/api/webhooks", "{\"agentId\":\"" + agent + "\",\"name\":\"bad-input\","
                        + "\"template\":\"hi\"}", 201, "agentId", "name", "template")
                // a delivery's signature is its authentication: without one, 401 whatever its body
                .body("POST /hooks/{id}", "/hooks/" + hook, "{\"x\":1}", 401)
                .body("POST /api/tokens", "/api/tokens", "{\"name\":\"bad-input\",\"role\":\"viewer\","
                        + "\"expiresInDays\":30}", 201, "name", "role")
                .body("POST /api/auth/sign-in", "/api/auth/sign-in", "{\"username\":\"admin\","
                        + "\"password\":\"test-admin-password\"}", 200, "username", "password")
                // OpenID Connect is not configured here: a well-formed request is told so
                .body("POST /api/auth/oidc", "/api/auth/oidc", "{\"idToken\":\"x.y.z\"}", 409, "idToken")
                // an API token belongs to one organization: a sign-in could switch
                .body("POST /api/auth/org", "/api/auth/org", "{\"orgId\":\"" + UUID.randomUUID() + "\"}", 400,
                        "orgId")
                .body("POST /api/members", "/api/members", "{\"username\":\"bad-input\","
                        + "\"password\":\"long enough password\",\"role\":\"viewer\"}", 201, "username", "role")
                .body("PUT /api/members/{userId}", "/api/members/" + UUID.randomUUID(), "{\"role\":\"viewer\"}",
                        404, "role")
                .check();
    }

    @Test
    void theFuzzersFindingsAreProblemsNamingTheField() {
        asAdmin().contentType(ContentType.JSON).body("{\"name\":\"x\",\"model\":\"s\\u0000im\"}").post("/api/agents")
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", equalTo("model contains a NUL character (\\u0000), which cannot be stored"));
        for (String decision : new String[] {"{}", "{\"decision\":null}", "null", ""}) {
            asAdmin().contentType(ContentType.JSON).body(decision).post("/api/approvals/" + UUID.randomUUID())
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("detail", containsString("decision"));
        }
        for (String[] bad : new String[][] {
                {"{\"name\":\"x\",\"model\":\"sim\",\"tools\":\"clock\"}", "tools: expected an array of strings, got a string"},
                {"{\"name\":5,\"model\":\"sim\"}", "name: expected a string, got 5"},
                {"{\"name\":\"x\",\"model\":\"sim\",\"limits\":\"x\"}", "limits: expected an object, got a string"},
                {"{\"name\":\"x\",\"model\":\"sim\",\"limits\":{\"maxToolRounds\":\"x\"}}",
                        "limits.maxToolRounds: expected an integer, got \"x\""},
                {"{\"name\":\"x\",\"model\":\"sim\",\"tools\":[[]]}", "tools[0]: expected a string, got an array"},
                {"[]", "the body: expected an object, got an array"}}) {
            asAdmin().contentType(ContentType.JSON).body(bad[0]).post("/api/agents").then().statusCode(400)
                    .contentType("application/problem+json").body("detail", equalTo(bad[1]));
        }
        asAdmin().contentType(ContentType.JSON).body(Map.of("name", "x", "model", "x".repeat(2_000_000)))
                .post("/api/agents").then().statusCode(400).contentType("application/problem+json")
                .body("detail", equalTo("model is longer than 1000000 characters"));
        asAdmin().contentType(ContentType.TEXT).body("{\"text\":\"hi\"}").post("/api/sessions/" + UUID.randomUUID()
                + "/messages").then().statusCode(415).contentType("application/problem+json")
                .body("detail", containsString("application/json"));
        asAdmin().contentType(ContentType.JSON).body(Map.of("value", "v")).urlEncodingEnabled(false)
                .put("/api/secrets/%00x").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("name"));
        asAdmin().urlEncodingEnabled(false).get("/api/mcp-servers/%00x/tools").then().statusCode(400)
                .contentType("application/problem+json");
        asAdmin().urlEncodingEnabled(false).delete("/api/tools/x%00").then().statusCode(400)
                .contentType("application/problem+json");
    }
}

package io.switchboard.runtime.rest;

import static io.switchboard.testing.Auth.as;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.switchboard.runtime.repository.ApprovalRepository;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two organizations on one runtime: every kind of resource of one is, to the other, as if it did not exist (404, never
 * 403, never in a list), and roles hold within an organization.
 */
@QuarkusTest
class TenancyTest {
    @TestHTTPResource("/")
    URI base;

    @Inject
    Pool pool;

    @Inject
    ApprovalRepository approvals;

    /** The default organization's administrator (the bootstrapped token), and a second organization's owner. */
    private String other;
    private String agent;
    private String session;
    private String approval;

    @BeforeEach
    void twoOrganizations() {
        other = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "other " + UUID.randomUUID()))
                .post("/api/orgs").then().statusCode(201).extract().path("token");
        agent = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "Private", "model", "sim",
                        "tools", List.of("calculator"), "approvalRequired", List.of("calculator")))
                .post("/api/agents").then().statusCode(201).extract().path("id");
        session = asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent)).post("/api/sessions")
                .then().statusCode(201).extract().path("id");
        // a turn waiting for an operator, as a runner leaves it (no model runs in this module's tests)
        UUID turn = UUID.randomUUID();
        pool.preparedQuery("insert into runtime.turns (id, session_id, user_text, status) values ($1, $2, $3,"
                + " 'waiting')").execute(Tuple.of(turn, UUID.fromString(session), "calculate 1 + 2"))
                .await().atMost(Duration.ofSeconds(5));
        approval = approvals.request(UUID.fromString(session), turn, "call-1", "calculator", "{\"expression\":\"1+2\"}")
                .await().atMost(Duration.ofSeconds(5)).id().toString();
        asAdmin().contentType(ContentType.JSON).body(Map.of("description", "d", "url", "https://api.example.com/x"))
                .put("/api/tools/private_tool").then().statusCode(200);
        asAdmin().contentType(ContentType.JSON).body(Map.of("value", "s3cret", "hosts", List.of("a.example"))).put("/api/secrets/private_secret")
                .then().statusCode(204);
    }

    @Test
    void anotherOrganizationSeesNoneOfItAndCannotTouchIt() {
        // lists leave it out
        as(other).get("/api/agents").then().statusCode(200).body("id", not(hasItem(agent)));
        as(other).get("/api/sessions").then().statusCode(200).body("id", not(hasItem(session)));
        as(other).get("/api/approvals").then().statusCode(200).body("id", not(hasItem(approval)));
        as(other).get("/api/tools").then().statusCode(200).body("name", not(hasItem("private_tool")));
        as(other).get("/api/secrets").then().statusCode(200).body("name", not(hasItem("private_secret")));
        as(other).get("/api/tokens").then().statusCode(200).body("name", not(hasItem("admin")));
        as(other).get("/api/members").then().statusCode(200).body("username", not(hasItem("admin")));
        // each id or name is 404, reads and writes alike
        as(other).get("/api/agents/" + agent).then().statusCode(404);
        as(other).get("/api/agents/" + agent + "/versions").then().statusCode(404);
        as(other).contentType(ContentType.JSON).body(Map.of("name", "taken", "model", "sim"))
                .put("/api/agents/" + agent).then().statusCode(404);
        as(other).contentType(ContentType.JSON).body(Map.of("version", 1)).post("/api/agents/" + agent + "/publish")
                .then().statusCode(404);
        as(other).contentType(ContentType.JSON).body(Map.of("agentId", agent)).post("/api/sessions")
                .then().statusCode(404);
        as(other).get("/api/sessions/" + session).then().statusCode(404);
        as(other).get("/api/sessions/" + session + "/calls").then().statusCode(404);
        as(other).get("/api/sessions/" + session + "/trace").then().statusCode(404);
        as(other).contentType(ContentType.JSON).body(Map.of("model", "sim"))
                .post("/api/sessions/" + session + "/calls/x/replay").then().statusCode(404);
        as(other).get("/api/sessions/" + session + "/stream").then().statusCode(404);
        as(other).get("/api/sessions?parent=" + session).then().statusCode(404);
        as(other).contentType(ContentType.JSON).body(Map.of("text", "hi"))
                .post("/api/sessions/" + session + "/messages").then().statusCode(404);
        as(other).post("/api/sessions/" + session + "/cancel").then().statusCode(404);
        as(other).contentType(ContentType.JSON).body(Map.of("decision", "approve"))
                .post("/api/approvals/" + approval).then().statusCode(404);
        as(other).delete("/api/tools/private_tool").then().statusCode(404);
        as(other).delete("/api/secrets/private_secret").then().statusCode(404);
        // an agent of its own may not name the other's tools or sub-agents
        as(other).contentType(ContentType.JSON).body(Map.of("name", "thief", "model", "sim",
                "tools", List.of("private_tool"))).post("/api/agents").then().statusCode(400);
        as(other).contentType(ContentType.JSON).body(Map.of("name", "thief", "model", "sim",
                "subAgents", List.of(agent))).post("/api/agents").then().statusCode(400);

        // and nothing of the first organization changed
        asAdmin().get("/api/agents/" + agent).then().statusCode(200).body("version", equalTo(1));
        asAdmin().get("/api/approvals").then().body("id", hasItem(approval));
        asAdmin().get("/api/tools").then().body("name", hasItem("private_tool"));
        asAdmin().get("/api/secrets").then().body("name", hasItem("private_secret"));
        asAdmin().get("/api/sessions/" + session).then().body("turns[0].status", equalTo("waiting"));
    }

    @Test
    void twoOrganizationsMayUseTheSameNames() {
        as(other).contentType(ContentType.JSON).body(Map.of("description", "theirs", "url", "https://b.example.com/y"))
                .put("/api/tools/private_tool").then().statusCode(200);
        as(other).contentType(ContentType.JSON).body(Map.of("value", "theirs", "hosts", List.of("a.example"))).put("/api/secrets/private_secret")
                .then().statusCode(204);
        as(other).get("/api/tools").then().body("find { it.name == 'private_tool' }.url",
                equalTo("https://b.example.com/y"));
        asAdmin().get("/api/tools").then().body("find { it.name == 'private_tool' }.url",
                equalTo("https://api.example.com/x"));
    }

    @Test
    void theMcpServerOffersEachOrganizationOnlyItsOwnAgents() throws Exception {
        String tool = "private_" + agent.substring(0, 8);
        try (McpSyncClient theirs = mcp(other); McpSyncClient ours = mcp(io.switchboard.testing.Auth.ADMIN_TOKEN)) {
            assertThat(theirs.listTools().tools()).extracting(McpSchema.Tool::name).doesNotContain(tool)
                    .contains("list_agents");
            assertThat(ours.listTools().tools()).extracting(McpSchema.Tool::name).contains(tool);
            // a tool not listed to the caller is not there to call either
            assertThatThrownBy(() -> theirs.callTool(new McpSchema.CallToolRequest(tool, Map.of("message", "hello"))))
                    .hasMessageContaining("Invalid tool name");
            assertThat(theirs.callTool(new McpSchema.CallToolRequest("list_agents", Map.of())).content().toString())
                    .doesNotContain("Private");
        }
    }

    @Test
    void rolesHoldWithinAnOrganization() {
        String viewer = as(other).contentType(ContentType.JSON).body(Map.of("name", "reader", "role", "viewer"))
                .post("/api/tokens").then().statusCode(201).extract().path("token");
        String operator = as(other).contentType(ContentType.JSON).body(Map.of("name", "chat", "role", "operator"))
                .post("/api/tokens").then().statusCode(201).extract().path("token");
        as(viewer).get("/api/agents").then().statusCode(200);
        as(viewer).contentType(ContentType.JSON).body(Map.of("name", "x", "model", "sim")).post("/api/agents")
                .then().statusCode(403).contentType("application/problem+json");
        as(viewer).contentType(ContentType.JSON).body(Map.of("name", "x", "role", "viewer")).post("/api/tokens")
                .then().statusCode(403);
        as(operator).contentType(ContentType.JSON).body(Map.of("name", "x", "model", "sim")).post("/api/agents")
                .then().statusCode(403);
        // an owner makes tokens up to its own role; an operator cannot make any
        as(operator).contentType(ContentType.JSON).body(Map.of("name", "y", "role", "viewer")).post("/api/tokens")
                .then().statusCode(403);
        // only platform administrators make organizations
        as(other).contentType(ContentType.JSON).body(Map.of("name", "third")).post("/api/orgs").then().statusCode(403);
        // without a token, or with a wrong one: 401 problems
        RestAssured.given().get("/api/agents").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer");
        as("sb_not_a_token").get("/api/agents").then().statusCode(401).contentType("application/problem+json");
    }

    /**
     * An owner decides whether the organization's calls carry their content; others see the choice; it is the
     * organization's own, and in its audit log.
     */
    @Test
    void anOwnerChoosesWhetherTheOrganizationCapturesContent() {
        String admin = as(other).contentType(ContentType.JSON).body(Map.of("name", "admin", "role", "admin"))
                .post("/api/tokens").then().statusCode(201).extract().path("token");
        as(admin).get("/api/org").then().statusCode(200).body("captureContent", equalTo(false));
        as(admin).contentType(ContentType.JSON).body(Map.of("captureContent", true)).patch("/api/org")
                .then().statusCode(403).contentType("application/problem+json");
        String renamed = "renamed " + UUID.randomUUID();
        as(other).contentType(ContentType.JSON).body(Map.of("captureContent", true, "name", renamed))
                .patch("/api/org").then().statusCode(200).body("captureContent", equalTo(true))
                .body("name", equalTo(renamed));
        as(admin).get("/api/org").then().statusCode(200).body("captureContent", equalTo(true))
                .body("name", equalTo(renamed));
        // a field left out stays as it was
        as(other).contentType(ContentType.JSON).body(Map.of("name", renamed + " again")).patch("/api/org")
                .then().statusCode(200).body("captureContent", equalTo(true));
        asAdmin().get("/api/org").then().statusCode(200).body("captureContent", equalTo(false));
        for (String bad : new String[] {"{}", "{\"name\":\" \"}", "{\"captureContent\":\"yes\"}"}) {
            as(other).contentType(ContentType.JSON).body(bad).patch("/api/org").then().statusCode(400)
                    .contentType("application/problem+json");
        }
        as(other).get("/api/audit").then().statusCode(200).body("action", hasItem("PATCH /api/org"));
    }

    /** A review found that a person's tokens outlived them: removed or demoted, they kept their old powers. */
    @Test
    void aTokenAPersonMadeGoesNoFurtherThanThePersonAndEndsWithTheirMembership() {
        String name = "carol-" + UUID.randomUUID().toString().substring(0, 8);
        // another owner, so that carol is not the last one (who could not be demoted)
        as(other).contentType(ContentType.JSON).body(Map.of("username", "dave-" + name, "password", "daves password 1",
                "role", "owner")).post("/api/members").then().statusCode(201);
        String carol = as(other).contentType(ContentType.JSON).body(Map.of("username", name,
                "password", "carols password 1", "role", "owner")).post("/api/members").then().statusCode(201)
                .extract().path("userId");
        String session = RestAssured.given().contentType(ContentType.JSON).body(Map.of("username", name,
                "password", "carols password 1")).post("/api/auth/sign-in").then().statusCode(200)
                .extract().path("token");
        String token = as(session).contentType(ContentType.JSON).body(Map.of("name", "carols", "role", "owner"))
                .post("/api/tokens").then().statusCode(201).extract().path("token");
        as(token).contentType(ContentType.JSON).body(Map.of("name", "x", "model", "sim")).post("/api/agents")
                .then().statusCode(201);
        // demoted to viewer: her token is a viewer's too
        as(other).contentType(ContentType.JSON).body(Map.of("role", "viewer")).put("/api/members/" + carol)
                .then().statusCode(200);
        as(token).contentType(ContentType.JSON).body(Map.of("name", "x", "model", "sim")).post("/api/agents")
                .then().statusCode(403);
        as(token).get("/api/agents").then().statusCode(200);
        // removed: her token and her sign-in end
        as(other).delete("/api/members/" + carol).then().statusCode(204);
        as(token).get("/api/agents").then().statusCode(401);
        as(session).get("/api/agents").then().statusCode(401);
        // the name of the platform's first administrator is not to be taken
        as(other).contentType(ContentType.JSON).body(Map.of("username", "admin", "password", "a squatter's pass",
                "role", "viewer")).post("/api/members").then().statusCode(400);
    }

    @Test
    void signingOutEndsTheSignIn() {
        String session = RestAssured.given().contentType(ContentType.JSON).body(Map.of("username", "admin",
                "password", "test-admin-password")).post("/api/auth/sign-in").then().statusCode(200)
                .extract().path("token");
        as(session).get("/api/me").then().statusCode(200).body("subject", equalTo("user:admin"));
        as(session).post("/api/auth/sign-out").then().statusCode(204);
        as(session).get("/api/me").then().statusCode(401);
    }

    @Test
    void aRevokedTokenStopsWorking() {
        var made = as(other).contentType(ContentType.JSON).body(Map.of("name", "short-lived", "role", "viewer"))
                .post("/api/tokens").then().statusCode(201).extract();
        String token = made.path("token");
        as(token).get("/api/agents").then().statusCode(200);
        as(other).get("/api/tokens").then().body("find { it.name == 'short-lived' }.lastUsedAt",
                org.hamcrest.Matchers.notNullValue()).body(not(org.hamcrest.Matchers.containsString(token)));
        // another organization's owner cannot revoke it
        asAdmin().delete("/api/tokens/" + made.path("id")).then().statusCode(404);
        as(token).get("/api/agents").then().statusCode(200);
        as(other).delete("/api/tokens/" + made.path("id")).then().statusCode(204);
        as(token).get("/api/agents").then().statusCode(401);
    }

    @Test
    void theAuditLogRecordsWritesAndRefusalsOfItsOwnOrganizationOnly() {
        String viewer = as(other).contentType(ContentType.JSON).body(Map.of("name", "reader", "role", "viewer"))
                .post("/api/tokens").then().statusCode(201).extract().path("token");
        as(viewer).contentType(ContentType.JSON).body(Map.of("name", "x", "model", "sim")).post("/api/agents")
                .then().statusCode(403);
        // ours: who did what, with what it left behind, and never a secret's value
        String ours = asAdmin().queryParam("limit", 1000).get("/api/audit").then().statusCode(200)
                .body("find { it.action == 'POST /api/agents' && it.changes.id == '" + agent + "' }.actor",
                        org.hamcrest.Matchers.startsWith("token:admin"))
                .body("find { it.resource == '/api/secrets/private_secret' }.status", equalTo(204))
                .extract().asString();
        assertThat(ours).doesNotContain("s3cret").doesNotContain("reader");
        // theirs: the refused write and the token made (its value left out), none of ours
        String theirs = as(other).queryParam("action", "/api/").get("/api/audit").then().statusCode(200)
                .body("find { it.action == 'POST /api/agents' }.status", equalTo(403))
                .body("find { it.action == 'POST /api/tokens' }.changes.name", equalTo("reader"))
                .extract().asString();
        assertThat(theirs).doesNotContain(agent).doesNotContain("private_");
        assertThat(theirs).doesNotContain(viewer);
        // viewers do not read it; nothing rewrites it
        as(viewer).get("/api/audit").then().statusCode(403);
    }

    private McpSyncClient mcp(String token) {
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(base.toString())
                        .endpoint("/mcp").requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + token))
                        .build())
                .requestTimeout(Duration.ofSeconds(30)).build();
        client.initialize();
        return client;
    }
}

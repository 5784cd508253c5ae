package io.switchboard.gateway.rest;

import static io.restassured.RestAssured.given;
import static io.switchboard.testing.Auth.as;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.gateway.provider.FakeVendor;
import io.switchboard.testing.TestOrgs;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two organizations on one gateway: each one's deployments, aliases, keys and usage are the other's 404s and never in
 * its lists; a key routes only to its own organization's deployments (and the shared ones).
 */
@QuarkusTest
class TenancyTest {
    private static final String SECRET = "sk-org-secret";

    @Inject
    Pool pool;

    @Inject
    io.vertx.mutiny.core.Vertx vertx;

    private FakeVendor vendor;
    private TestOrgs.Org other;

    @BeforeEach
    void setUp() throws Exception {
        vendor = new FakeVendor(vertx.getDelegate(), "openai");
        other = TestOrgs.create(pool, "other " + UUID.randomUUID());
    }

    @AfterEach
    void stopVendor() throws Exception {
        vendor.close();
    }

    @Test
    void deploymentsAliasesKeysAndUsageStayInTheirOrganization() {
        String name = "private-" + UUID.randomUUID().toString().substring(0, 8);
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai-compatible",
                        "baseUrl", "http://127.0.0.1:" + vendor.port() + "/v1", "model", "upstream", "apiKey", SECRET))
                .put("/api/deployments/" + name).then().statusCode(200);
        asAdmin().contentType(ContentType.JSON).body(Map.of("deployments", List.of(name, "sim")))
                .put("/api/aliases/" + name + "-alias").then().statusCode(200);
        String ourKey = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "ours")).post("/api/keys")
                .then().statusCode(201).extract().path("key");
        String ourKeyId = asAdmin().get("/api/keys").then().extract()
                .path("find { it.name == 'ours' }.id");
        String theirKey = as(other.ownerToken()).contentType(ContentType.JSON).body(Map.of("name", "theirs"))
                .post("/api/keys").then().statusCode(201).extract().path("key");

        // the other organization sees the shared deployments only
        as(other.ownerToken()).get("/api/deployments").then().statusCode(200).body("name", hasItem("sim"))
                .body("name", not(hasItem(name)));
        as(other.ownerToken()).get("/api/aliases").then().statusCode(200)
                .body("keySet()", not(hasItem(name + "-alias")));
        as(other.ownerToken()).get("/api/keys").then().statusCode(200).body("name", not(hasItem("ours")));
        as(other.ownerToken()).delete("/api/deployments/" + name).then().statusCode(404);
        as(other.ownerToken()).delete("/api/keys/" + ourKeyId).then().statusCode(404);
        // its key cannot reach our deployment or alias, nor list them
        chat(theirKey, name).then().statusCode(404);
        chat(theirKey, name + "-alias").then().statusCode(404);
        // nor by the name it has inside the gateway (an organization's alias is kept as "<org>/<alias>")
        chat(theirKey, io.switchboard.auth.IdentitySchema.DEFAULT_ORG + "/" + name + "-alias").then().statusCode(404);
        chat(theirKey, io.switchboard.auth.IdentitySchema.DEFAULT_ORG + "/" + name).then().statusCode(404);
        given().header("Authorization", "Bearer " + theirKey).get("/v1/models").then().statusCode(200)
                .body("data.id", not(hasItem(name))).body("data.id", hasItem("sim"));
        // it may name a deployment of its own the same: that one is its own, and ours is untouched
        as(other.ownerToken()).contentType(ContentType.JSON).body(Map.of("provider", "ollama",
                "baseUrl", "http://127.0.0.1:1", "model", "m")).put("/api/deployments/" + name).then().statusCode(200)
                .body("hasApiKey", equalTo(false));
        asAdmin().get("/api/deployments").then().body("find { it.name == '" + name + "' }.provider",
                equalTo("openai-compatible"));

        // our key reaches ours; the call is ours in usage, not theirs
        chat(ourKey, name).then().statusCode(200);
        chat(theirKey, "sim").then().statusCode(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            asAdmin().get("/api/usage/calls").then().body("deployment", hasItem(name));
            as(other.ownerToken()).get("/api/usage/calls").then().body("deployment", not(hasItem(name)))
                    .body("deployment", hasItem("sim"));
        });
        List<String> theirs = as(other.ownerToken()).queryParam("by", "deployment").get("/api/usage").then()
                .statusCode(200).extract().path("key");
        assertThat(theirs).doesNotContain(name);
    }

    @Test
    void aViewerReadsButDoesNotWrite() {
        String viewer = TestOrgs.token(pool, other.id(), "viewer");
        as(viewer).get("/api/deployments").then().statusCode(200);
        as(viewer).get("/api/usage").then().statusCode(200);
        as(viewer).contentType(ContentType.JSON).body(Map.of("name", "x")).post("/api/keys").then().statusCode(403)
                .contentType("application/problem+json");
        as(viewer).contentType(ContentType.JSON).body(Map.of("provider", "ollama", "baseUrl", "http://x",
                "model", "m")).put("/api/deployments/x").then().statusCode(403);
        // rotating the master key is the platform's, not an organization's
        as(other.ownerToken()).post("/api/credentials/rotate").then().statusCode(403);
        given().get("/api/keys").then().statusCode(401).contentType("application/problem+json");
    }

    private static io.restassured.response.Response chat(String key, String model) {
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                .body(Map.of("model", model, "messages", List.of(Map.of("role", "user", "content", "scenario:plain"))))
                .post("/v1/chat/completions");
    }
}

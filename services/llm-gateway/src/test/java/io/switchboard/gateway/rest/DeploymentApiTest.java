package io.switchboard.gateway.rest;

import static io.restassured.RestAssured.given;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.crypto.SecretCipher;
import io.switchboard.gateway.credentials.StoredDeployments;
import io.switchboard.gateway.provider.FakeVendor;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Deployments stored through the API: the key is sealed at rest, used upstream, and never shown again. */
@QuarkusTest
class DeploymentApiTest {
    private static final String SECRET = "sk-test-secret-123";

    @Inject
    Pool pool;

    @Inject
    StoredDeployments store;

    @Inject
    io.vertx.mutiny.core.Vertx vertx;

    private FakeVendor vendor;

    @BeforeEach
    void startVendor() throws Exception {
        vendor = new FakeVendor(vertx.getDelegate(), "openai");
    }

    @AfterEach
    void stopVendor() throws Exception {
        vendor.close();
    }

    /** The hole a review found: a new base URL kept the sealed key, so anyone who could edit got it sent to them. */
    @Test
    void aStoredKeyGoesOnlyWhereItWasGivenFor() {
        String vendorUrl = "http://127.0.0.1:" + vendor.port() + "/v1";
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai-compatible", "baseUrl", vendorUrl,
                "model", "m", "apiKey", SECRET)).put("/api/deployments/bound").then().statusCode(200)
                .body("hasApiKey", equalTo(true));
        // the same place without the key: kept (a change of model or limits needs no key again)
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai-compatible", "baseUrl", vendorUrl,
                "model", "m2")).put("/api/deployments/bound").then().statusCode(200).body("hasApiKey", equalTo(true));
        // another address, or another provider, without the key: dropped
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai-compatible",
                "baseUrl", "http://attacker.example/v1", "model", "m2")).put("/api/deployments/bound").then()
                .statusCode(200).body("hasApiKey", equalTo(false));
        assertThat(pool.preparedQuery("select api_key_sealed from gateway.deployments where name = 'bound'").execute()
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getString("api_key_sealed")).isNull();
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai-compatible", "baseUrl", vendorUrl,
                "model", "m", "apiKey", SECRET)).put("/api/deployments/bound").then().statusCode(200);
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "anthropic", "baseUrl", vendorUrl,
                "model", "m")).put("/api/deployments/bound").then().statusCode(200).body("hasApiKey", equalTo(false));
    }

    @Test
    void aStoredDeploymentServesRequestsWithItsSealedKey() {
        String put = asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai-compatible",
                        "baseUrl", "http://127.0.0.1:" + vendor.port() + "/v1", "model", "upstream-model",
                        "apiKey", SECRET))
                .put("/api/deployments/fake-openai").then().statusCode(200)
                .body("hasApiKey", equalTo(true)).body("source", equalTo("database")).extract().asString();
        assertThat(put).doesNotContain(SECRET);

        Row row = pool.preparedQuery("select * from gateway.deployments where name = $1")
                .execute(Tuple.of("fake-openai")).await().atMost(Duration.ofSeconds(5)).iterator().next();
        assertThat(row.getString("api_key_sealed")).isNotBlank().doesNotContain(SECRET);
        assertThat(row.getString("api_key_key_id")).isEqualTo("test");

        given().header("Authorization", "Bearer " + io.switchboard.gateway.TestKeys.unlimited())
                .contentType(ContentType.JSON).body(Map.of("model", "fake-openai", "messages",
                        List.of(Map.of("role", "user", "content", "scenario:plain"))))
                .post("/v1/chat/completions").then().statusCode(200)
                .body("choices[0].message.content", equalTo("Hello! How can I help?"));
        assertThat(vendor.lastRequest("plain").headers()).containsEntry("authorization", "Bearer " + SECRET);

        String listed = asAdmin().get("/api/deployments").then().statusCode(200)
                .body("name", hasItem("fake-openai")).extract().asString();
        assertThat(listed).doesNotContain(SECRET);
        assertThat(asAdmin().get("/api/usage/calls").asString()).doesNotContain(SECRET);
    }

    @Test
    void anAliasRoutesToStoredDeployments() {
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai-compatible",
                "baseUrl", "http://127.0.0.1:" + vendor.port() + "/v1", "model", "m"))
                .put("/api/deployments/keyless").then().statusCode(200).body("hasApiKey", equalTo(false));
        asAdmin().contentType(ContentType.JSON).body(Map.of("deployments", List.of("keyless", "sim")))
                .put("/api/aliases/smart").then().statusCode(200)
                .body("smart.deployments", equalTo(List.of("keyless", "sim")))
                .body("smart.strategy", equalTo("priority"));
        given().header("Authorization", "Bearer " + io.switchboard.gateway.TestKeys.unlimited())
                .contentType(ContentType.JSON).body(Map.of("model", "smart", "messages",
                        List.of(Map.of("role", "user", "content", "scenario:plain"))))
                .post("/v1/chat/completions").then().statusCode(200)
                .body("choices[0].message.content", equalTo("Hello! How can I help?"));
    }

    @Test
    void storedDeploymentsAndAliasesTakeLimitsAndAStrategy() {
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai-compatible",
                        "baseUrl", "http://127.0.0.1:" + vendor.port() + "/v1", "model", "m",
                        "weight", 3, "requestsPerMinute", 1, "tokensPerMinute", 5000))
                .put("/api/deployments/limited").then().statusCode(200)
                .body("limits.weight", equalTo(3)).body("limits.requestsPerMinute", equalTo(1))
                .body("limits.tokensPerMinute", equalTo(5000)).body("limits.maxConcurrent", equalTo(0));
        asAdmin().contentType(ContentType.JSON).body(Map.of("deployments", List.of("limited", "sim"),
                "strategy", "least-busy")).put("/api/aliases/spread").then().statusCode(200)
                .body("spread.strategy", equalTo("least-busy"));
        // nothing in flight between these calls, so least-busy keeps the listed order: "limited" first, until its one
        // request for the minute is spent; then sim answers
        for (int i = 0; i < 3; i++) {
            given().header("Authorization", "Bearer " + io.switchboard.gateway.TestKeys.unlimited())
                    .contentType(ContentType.JSON).body(Map.of("model", "spread", "messages",
                            List.of(Map.of("role", "user", "content", "scenario:plain"))))
                    .post("/v1/chat/completions").then().statusCode(200);
        }
        assertThat(vendor.requests("plain")).isEqualTo(1);
        asAdmin().contentType(ContentType.JSON).body(Map.of("deployments", List.of("sim"), "strategy", "random"))
                .put("/api/aliases/spread").then().statusCode(400).contentType("application/problem+json");
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "ollama", "baseUrl", "http://x", "model", "m",
                "requestsPerMinute", -1)).put("/api/deployments/negative").then().statusCode(400);
    }

    @Test
    void aStoredDeploymentCannotPointAtAnInternalAddress() {
        for (String url : List.of("http://169.254.169.254/latest", "http://10.0.0.7:8080/v1", "http://localhost:1/v1",
                "http://[::ffff:127.0.0.1]:1/v1")) {
            asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai-compatible", "baseUrl", url,
                            "model", "m", "apiKey", SECRET)).put("/api/deployments/internal").then().statusCode(400)
                    .contentType("application/problem+json")
                    .body("detail", containsString("private or reserved"))
                    .body("detail", containsString("GATEWAY_TRUSTED_HOSTS"));
        }
        asAdmin().get("/api/deployments").then().body("name", not(hasItem("internal")));
    }

    @Test
    void badInputIsRefusedAndConfiguredDeploymentsCannotBeOverwritten() {
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "teleport", "baseUrl", "http://x", "model", "m"))
                .put("/api/deployments/x").then().statusCode(400).contentType("application/problem+json");
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai", "baseUrl", "ftp://x", "model", "m"))
                .put("/api/deployments/x").then().statusCode(400);
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "ollama", "baseUrl", "http://x", "model", "m"))
                .put("/api/deployments/sim").then().statusCode(409);
        asAdmin().contentType(ContentType.JSON).body(Map.of("deployments", List.of("nowhere")))
                .put("/api/aliases/a").then().statusCode(400);
        asAdmin().delete("/api/deployments/never-was").then().statusCode(404);
    }

    @Test
    void rotationResealsEveryKeyUnderTheNewMasterKey() {
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai", "baseUrl", "https://example.invalid/v1",
                "model", "m", "apiKey", SECRET)).put("/api/deployments/to-rotate").then().statusCode(200);
        String newKey = "next:" + Base64.getEncoder().encodeToString("abcdefghijklmnopqrstuvwxyz012345".getBytes());
        SecretCipher rotated = SecretCipher.fromSpec(newKey + ",test:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
        int resealed = store.reseal(rotated).await().atMost(Duration.ofSeconds(10));
        assertThat(resealed).isPositive();
        Row row = pool.preparedQuery("select * from gateway.deployments where name = $1")
                .execute(Tuple.of("to-rotate")).await().atMost(Duration.ofSeconds(5)).iterator().next();
        assertThat(row.getString("api_key_key_id")).isEqualTo("next");
        assertThat(rotated.decrypt(new SecretCipher.Sealed("next", row.getString("api_key_sealed")), "to-rotate"))
                .isEqualTo(SECRET);
        assertThat(store.reseal(rotated).await().atMost(Duration.ofSeconds(10))).isZero();
        asAdmin().delete("/api/deployments/to-rotate").then().statusCode(204);
    }
}

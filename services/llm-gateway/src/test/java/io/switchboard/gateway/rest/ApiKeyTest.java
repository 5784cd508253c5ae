package io.switchboard.gateway.rest;

import static io.restassured.RestAssured.given;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.switchboard.gateway.TestKeys;
import io.switchboard.gateway.provider.FakeVendor;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Virtual keys guard the front doors: unknown or revoked keys, rate limits and budgets are enforced. */
@QuarkusTest
class ApiKeyTest {
    private static final Map<String, Object> HELLO = Map.of("model", "sim", "messages",
            List.of(Map.of("role", "user", "content", "hi")));

    @Inject
    io.vertx.mutiny.core.Vertx vertx;

    @Test
    void requestsWithoutAValidKeyAreRefusedInEachDoorsShape() {
        given().contentType(ContentType.JSON).body(HELLO).post("/v1/chat/completions").then().statusCode(401)
                .body("error.code", equalTo("invalid_api_key"));
        given().get("/v1/models").then().statusCode(401);
        given().header("Authorization", "Bearer sk-sb-made-up").contentType(ContentType.JSON).body(HELLO)
                .post("/v1/chat/completions").then().statusCode(401);
        given().contentType(ContentType.JSON).body(Map.of("model", "sim", "max_tokens", 5, "messages",
                        List.of(Map.of("role", "user", "content", "hi"))))
                .post("/v1/messages").then().statusCode(401).body("error.type", equalTo("authentication_error"));
    }

    @Test
    void aRevokedKeyStopsWorkingAndKeysAreNeverListed() {
        Response created = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "to revoke"))
                .post("/api/keys").then().statusCode(201).body("key", notNullValue()).extract().response();
        String key = created.path("key");
        String id = created.path("info.id");
        chat(key).then().statusCode(200);
        assertThat(asAdmin().get("/api/keys").asString()).doesNotContain(key).contains(key.substring(0, 10));
        asAdmin().delete("/api/keys/" + id).then().statusCode(204);
        chat(key).then().statusCode(401);
    }

    @Test
    void overItsRateAKeyGets429WithRetryAfter() {
        String key = TestKeys.create(Map.of("name", "slow", "requestsPerMinute", 2));
        if (LocalTime.now().getSecond() >= 57) { // keep the three requests inside one minute
            await().atMost(Duration.ofSeconds(5)).until(() -> LocalTime.now().getSecond() < 57);
        }
        chat(key).then().statusCode(200);
        chat(key).then().statusCode(200);
        chat(key).then().statusCode(429).header("Retry-After", notNullValue())
                .body("error.code", equalTo("rate_limited"));
    }

    @Test
    void aKeyWithNoBudgetLeftIsRefused() {
        String key = TestKeys.create(Map.of("name", "broke", "budgetUsd", 0));
        chat(key).then().statusCode(429).body("error.code", equalTo("budget_exceeded"));
    }

    @Test
    void whatACallCostsIsChargedToItsKeyOnce() throws Exception {
        try (FakeVendor vendor = new FakeVendor(vertx.getDelegate(), "openai")) {
            asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai-compatible",
                            "baseUrl", "http://127.0.0.1:" + vendor.port() + "/v1", "model", "gpt-4o-mini"))
                    .put("/api/deployments/priced").then().statusCode(200);
            Response created = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "billed", "budgetUsd", 1))
                    .post("/api/keys").then().statusCode(201).extract().response();
            String key = created.path("key");
            String id = created.path("info.id");
            given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                    .body(Map.of("model", "priced", "messages", List.of(Map.of("role", "user",
                            "content", "scenario:plain")))).post("/v1/chat/completions").then().statusCode(200);
            // 12 input (4 cached) and 6 output tokens of gpt-4o-mini: (8 x 0.15 + 4 x 0.075 + 6 x 0.60) / 1M
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> asAdmin().get("/api/keys").then()
                    .body("find { it.id == '" + id + "' }.spentUsd", equalTo(0.0000051f)));
            // and usage reports it under the key's name and prefix
            String prefix = key.substring(0, 10);
            asAdmin().queryParam("by", "key").get("/api/usage").then().statusCode(200)
                    .body("find { it.key.startsWith('billed (') }.calls", equalTo(1))
                    .body("find { it.key.startsWith('billed (') }.key", org.hamcrest.Matchers.containsString(prefix));
        }
    }

    private static Response chat(String key) {
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).body(HELLO)
                .post("/v1/chat/completions");
    }
}

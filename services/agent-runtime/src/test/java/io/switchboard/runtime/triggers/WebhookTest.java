package io.switchboard.runtime.triggers;

import static io.switchboard.testing.Auth.as;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.switchboard.testing.TestOrgs;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Webhooks: a signed delivery starts one turn whose message is the template filled from its body; a replay of its id
 * is answered with the same ids and starts nothing; a bad or old signature, an oversized or unreadable body start
 * nothing either; a rotated secret is still taken for a while. 1,000 deliveries with replays and forgeries among them
 * start exactly one turn per good delivery id.
 */
@QuarkusTest
class WebhookTest {
    @Inject
    Pool pool;

    @Test
    void aSignedDeliveryStartsATurnWithTheTemplateFilledAndItsReplayStartsNothing() {
        JsonPath hook = webhook("New issue: {body.issue.title} by {body.user.login}");
        String body = "{\"issue\":{\"title\":\"Login broken\"},\"user\":{\"login\":\"ada\"}}";
        long t = Instant.now().getEpochSecond();
        // the signature as a sender computes it, by hand: HMAC-SHA256 of "<t>.<body>" keyed with the secret
        String signature = "t=" + t + ",v1=" + hmac(hook.getString("secret"), t + "." + body);
        Response first = deliver(hook, "delivery-1", signature, body);
        first.then().statusCode(202).body("replayed", equalTo(false));
        String turn = first.path("turnId");
        String session = first.path("sessionId");
        await().atMost(Duration.ofSeconds(10)).until(() -> count("select count(*) from runtime.turns where id = $1"
                + " and user_text = 'New issue: Login broken by ada'", UUID.fromString(turn)) == 1);
        asAdmin().get("/api/sessions/" + session).then().statusCode(200);

        deliver(hook, "delivery-1", signature, body).then().statusCode(200).body("turnId", equalTo(turn))
                .body("sessionId", equalTo(session)).body("replayed", equalTo(true));
        // the id is not signed: the captured delivery sent again under another id is the same delivery
        deliver(hook, "delivery-1-again", signature, body).then().statusCode(200).body("turnId", equalTo(turn));
        assertThat(count("select count(*) from runtime.turns where session_id = $1", UUID.fromString(session)))
                .isEqualTo(1);
    }

    @Test
    void deliveriesThatAreNotTheSendersAreRefusedAndStartNothing() {
        JsonPath hook = webhook("Alert: {body.alert}");
        String body = "{\"alert\":\"disk full\"}";
        String secret = hook.getString("secret");
        Instant now = Instant.now();
        deliver(hook, "d-1", WebhookSignature.sign(now, bytes(body), "whsec_not_it"), body).then().statusCode(401)
                .contentType("application/problem+json").body("detail", containsString("does not match"));
        deliver(hook, "d-2", WebhookSignature.sign(now.minusSeconds(301), bytes(body), secret), body).then()
                .statusCode(401).body("detail", containsString("minutes"));
        deliver(hook, "d-3", null, body).then().statusCode(401).body("detail", containsString("missing"));
        deliver(hook, "d-4", WebhookSignature.sign(now, bytes(body), secret), body.replace("full", "fine")).then()
                .statusCode(401);
        String huge = "{\"alert\":\"" + "x".repeat(300_000) + "\"}";
        deliver(hook, "d-5", WebhookSignature.sign(now, bytes(huge), secret), huge).then().statusCode(413)
                .contentType("application/problem+json");
        deliver(hook, "d-6", WebhookSignature.sign(now, bytes("not json"), secret), "not json").then()
                .statusCode(400).body("detail", containsString("JSON"));
        deliver(hook, "d-7", WebhookSignature.sign(now, bytes("{\"other\":1}"), secret), "{\"other\":1}").then()
                .statusCode(422).body("detail", containsString("template"));
        JsonPath echo = webhook("{body.a}{body.a}{body.a}{body.a}{body.a}{body.a}{body.a}{body.a}{body.a}{body.a}");
        String large = "{\"a\":\"" + "y".repeat(200_000) + "\"}";
        deliver(echo, "d-9", WebhookSignature.sign(now, bytes(large), echo.getString("secret")), large).then()
                .statusCode(422).body("detail", containsString("longer than"));
        deliver(hook, null, WebhookSignature.sign(now, bytes(body), secret), body).then().statusCode(400)
                .body("detail", containsString("Switchboard-Delivery"));
        RestAssured.given().header("Switchboard-Delivery", "d-8").body(body)
                .post("/hooks/" + UUID.randomUUID()).then().statusCode(404);
        assertThat(count("select count(*) from runtime.webhook_deliveries where webhook_id = $1",
                UUID.fromString(hook.getString("id")))).isZero();
    }

    @Test
    void aRotatedSecretIsStillTakenForAWhileAndTheNewOneAtOnce() {
        JsonPath hook = webhook("Ping {body.n}");
        String old = hook.getString("secret");
        String fresh = asAdmin().post("/api/webhooks/" + hook.getString("id") + "/rotate").then().statusCode(200)
                .extract().path("secret");
        assertThat(fresh).isNotEqualTo(old).startsWith("whsec_");
        Instant now = Instant.now();
        for (int n = 1; n <= 3; n++) {
            String body = "{\"n\":" + n + "}";
            // the old secret, the new one, and a sender signing with both while it switches
            String signature = n == 1 ? WebhookSignature.sign(now, bytes(body), old)
                    : n == 2 ? WebhookSignature.sign(now, bytes(body), fresh)
                    : WebhookSignature.sign(now, bytes(body), "whsec_wrong", fresh);
            deliver(hook, "r-" + n, signature, body).then().statusCode(202);
        }
        as(TestOrgs.create(pool, "other " + UUID.randomUUID()).ownerToken())
                .post("/api/webhooks/" + hook.getString("id") + "/rotate").then().statusCode(404);
        assertThat(asAdmin().get("/api/webhooks").then().statusCode(200).extract().asString()).doesNotContain(old)
                .doesNotContain(fresh);
    }

    @Test
    void aThousandDeliveriesWithReplaysAndForgeriesStartOneTurnPerGoodDeliveryId() {
        JsonPath hook = webhook("Order {body.order}");
        String secret = hook.getString("secret");
        Map<String, String> turnByDelivery = new HashMap<>();
        int good = 0;
        int forged = 0;
        for (int i = 0; i < 1000; i++) {
            String body = "{\"order\":" + i + "}";
            Instant now = Instant.now();
            String replayOf = "order-" + (i - 7);
            if (i % 10 == 5 && turnByDelivery.containsKey(replayOf)) { // a replay of an earlier delivery
                String id = replayOf;
                String earlier = "{\"order\":" + (i - 7) + "}";
                deliver(hook, id, WebhookSignature.sign(now, bytes(earlier), secret), earlier).then().statusCode(200)
                        .body("turnId", equalTo(turnByDelivery.get(id)));
            } else if (i % 33 == 0) { // forged
                deliver(hook, "forged-" + i, WebhookSignature.sign(now, bytes(body), "whsec_guess"), body).then()
                        .statusCode(401);
                forged++;
            } else {
                String id = "order-" + i;
                turnByDelivery.put(id, deliver(hook, id, WebhookSignature.sign(now, bytes(body), secret), body)
                        .then().statusCode(202).extract().path("turnId"));
                good++;
            }
        }
        assertThat(forged).isGreaterThan(20);
        UUID webhookId = UUID.fromString(hook.getString("id"));
        int expected = good;
        await().atMost(Duration.ofSeconds(60)).until(() -> count("select count(*) from runtime.turns t join"
                + " runtime.webhook_deliveries d on d.turn_id = t.id where d.webhook_id = $1", webhookId) == expected);
        assertThat(count("select count(*) from runtime.webhook_deliveries where webhook_id = $1", webhookId))
                .isEqualTo(good);
        assertThat(count("select count(*) from runtime.turns t join runtime.webhook_deliveries d on d.session_id ="
                + " t.session_id where d.webhook_id = $1", webhookId)).as("one turn in each delivery's session")
                .isEqualTo(good);
        assertThat(count("select count(*) from runtime.webhook_deliveries where webhook_id = $1 and delivery_id"
                + " like 'forged-%'", webhookId)).isZero();
    }

    @Test
    void aWebhookNeedsAnAgentANameAndATemplateThatParses() {
        String agent = agent();
        asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent, "name", "x", "template", "{body.a"))
                .post("/api/webhooks").then().statusCode(400).body("detail", containsString("template"));
        // a template only reads the body: no loops (over a number the sender picks), no templates from the body
        for (String looping : new String[] {"{#for i in body.n}x{/for}", "{#eval body.t /}"}) {
            asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent, "name", "x", "template", looping))
                    .post("/api/webhooks").then().statusCode(400).body("detail", containsString("template"));
        }
        asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", UUID.randomUUID().toString(), "name", "x",
                "template", "hi")).post("/api/webhooks").then().statusCode(400)
                .body("detail", containsString("agentId"));
        String name = "dup " + UUID.randomUUID();
        asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent, "name", name, "template", "hi"))
                .post("/api/webhooks").then().statusCode(201);
        asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent, "name", name, "template", "hi"))
                .post("/api/webhooks").then().statusCode(409);
    }

    private JsonPath webhook(String template) {
        JsonPath made = asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent(), "name",
                        "hook " + UUID.randomUUID(), "template", template)).post("/api/webhooks").then().statusCode(201)
                .extract().jsonPath();
        assertThat(made.getString("url")).endsWith("/hooks/" + made.getString("id"));
        assertThat(made.getString("secret")).startsWith("whsec_");
        return made;
    }

    private static Response deliver(JsonPath hook, String deliveryId, String signature, String body) {
        var request = RestAssured.given().contentType(ContentType.JSON).body(body);
        if (deliveryId != null) {
            request.header("Switchboard-Delivery", deliveryId);
        }
        if (signature != null) {
            request.header("Switchboard-Signature", signature);
        }
        return request.post("/hooks/" + hook.getString("id"));
    }

    private static String agent() {
        return asAdmin().contentType(ContentType.JSON).body(Map.of("name", "hooked " + UUID.randomUUID(),
                "model", "sim")).post("/api/agents").then().statusCode(201).extract().path("id");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String hmac(String secret, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(bytes(secret), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(bytes(text)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private long count(String sql, Object param) {
        return pool.preparedQuery(sql).execute(Tuple.of(param)).await().atMost(Duration.ofSeconds(5)).iterator()
                .next().getLong(0);
    }
}

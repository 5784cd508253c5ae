package io.switchboard.runtime.maintenance;

import static io.switchboard.testing.Auth.as;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.switchboard.crypto.SecretCipher;
import io.switchboard.jobs.Job;
import io.switchboard.runtime.tools.Secrets;
import io.switchboard.runtime.triggers.WebhookSignature;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Maintenance jobs on a real PostgreSQL: retention deletes only what is past its age (a session with its journal; not
 * one with a turn under way, nor a recent one); a master key rotation re-seals every stored secret while tools and
 * webhooks keep working with them.
 */
@QuarkusTest
class MaintenanceTest {
    private static final SecretCipher OLD_KEY =
            SecretCipher.fromSpec("old:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=");

    @Inject
    Pool pool;

    @Inject
    Retention retention;

    @Inject
    Reseal reseal;

    @Inject
    Secrets secrets;

    @Test
    void retentionDeletesOnlyWhatIsPastItsAge() {
        String owner = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "old " + UUID.randomUUID()))
                .post("/api/orgs").then().statusCode(201).extract().path("token");
        String agent = as(owner).contentType(ContentType.JSON).body(Map.of("name", "bot", "model", "sim"))
                .post("/api/agents").then().statusCode(201).extract().path("id");
        UUID old = session(owner, agent, "completed", 40);
        UUID stillRunning = session(owner, agent, "running", 40);
        UUID recent = session(owner, agent, "completed", 2);

        retention.sweep(Instant.now()).await().atMost(Duration.ofSeconds(30));

        assertThat(count("select count(*) from runtime.sessions where id = $1", old)).isZero();
        assertThat(count("select count(*) from runtime.messages where session_id = $1", old)).isZero();
        assertThat(count("select count(*) from runtime.turns where session_id = $1", old)).isZero();
        assertThat(count("select count(*) from runtime.sessions where id = $1", stillRunning)).isOne();
        assertThat(count("select count(*) from runtime.sessions where id = $1", recent)).isOne();
        assertThat(count("select count(*) from runtime.messages where session_id = $1", recent)).isOne();
    }

    @Test
    void aKeyRotationReSealsEverySecretWhileToolsAndWebhooksKeepWorking() {
        // sealed before the rotation, with the key that is now the second one
        String name = "rotated_" + UUID.randomUUID().toString().substring(0, 8);
        UUID org = UUID.fromString("00000000-0000-0000-0000-000000000001");
        SecretCipher.Sealed sealed = OLD_KEY.encrypt("s3cret-value", "secret " + name);
        pool.preparedQuery("insert into runtime.secrets (org_id, name, key_id, ciphertext, hosts) values ($1, $2, $3,"
                        + " $4, $5)").execute(Tuple.of(org, name, sealed.keyId(), sealed.ciphertext(),
                        new String[] {"api.example.com"}))
                .await().atMost(Duration.ofSeconds(5));
        String agent = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "hooked " + UUID.randomUUID(),
                "model", "sim")).post("/api/agents").then().statusCode(201).extract().path("id");
        Map<String, String> made = asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent, "name",
                "rotated " + UUID.randomUUID(), "template", "n={body.n}")).post("/api/webhooks").then()
                .statusCode(201).extract().jsonPath().getMap("");
        UUID hook = UUID.fromString(made.get("id"));
        String hookSecret = made.get("secret");
        SecretCipher.Sealed hookSealed = OLD_KEY.encrypt(hookSecret, "webhook:" + hook);
        pool.preparedQuery("update runtime.webhooks set secret_key_id = $2, secret_ciphertext = $3 where id = $1")
                .execute(Tuple.of(hook, hookSealed.keyId(), hookSealed.ciphertext()))
                .await().atMost(Duration.ofSeconds(5));

        // a replica that does not know a job's key yet leaves it to one that does; an old key's job is done
        assertThat(reseal.run(new Job<>(Reseal.NAME, "key:newer", "newer", Instant.now(), 1)).await()
                .atMost(Duration.ofSeconds(5)).deferred()).isTrue();
        assertThat(reseal.run(new Job<>(Reseal.NAME, "key:old", "old", Instant.now(), 1)).await()
                .atMost(Duration.ofSeconds(5)).nextAt()).isNull();
        assertThat(count("select count(*) from runtime.secrets where key_id = 'old'", null)).isPositive();
        reseal.run(new Job<>(Reseal.NAME, "key:test", "test", Instant.now(), 1)).await()
                .atMost(Duration.ofSeconds(30));

        assertThat(count("select count(*) from runtime.secrets where key_id <> 'test'", null)).isZero();
        assertThat(count("select count(*) from runtime.webhooks where secret_key_id <> 'test'"
                + " or previous_key_id <> 'test'", null)).isZero();
        // a tool's header still gets the secret; a delivery signed with the webhook's secret is still taken
        assertThat(secrets.fill(org, Map.of("Authorization", "Bearer {{secret:" + name + "}}"), "api.example.com")
                .await().atMost(Duration.ofSeconds(5))).containsEntry("Authorization", "Bearer s3cret-value");
        String body = "{\"n\":1}";
        RestAssured.given().contentType(ContentType.JSON).header("Switchboard-Delivery", "after-rotation")
                .header("Switchboard-Signature", WebhookSignature.sign(Instant.now(),
                        body.getBytes(StandardCharsets.UTF_8), hookSecret))
                .body(body).post("/hooks/" + hook).then().statusCode(202);
    }

    /** A session of the agent with one turn in {@code status} and its user message, all {@code daysAgo} old. */
    private UUID session(String owner, String agent, String status, int daysAgo) {
        UUID session = UUID.fromString(as(owner).contentType(ContentType.JSON).body(Map.of("agentId", agent))
                .post("/api/sessions").then().statusCode(201).extract().path("id"));
        UUID turn = UUID.randomUUID();
        pool.withTransaction(tx -> tx.preparedQuery("update runtime.sessions set created_at = now() - make_interval("
                        + "days => $2) where id = $1").execute(Tuple.of(session, daysAgo))
                .flatMap(x -> tx.preparedQuery("insert into runtime.turns (id, session_id, user_text, status,"
                        + " created_at) values ($1, $2, 'hi', $3, now() - make_interval(days => $4))")
                        .execute(Tuple.of(turn, session, status, daysAgo)))
                .flatMap(x -> tx.preparedQuery("insert into runtime.messages (session_id, position, turn_id, role,"
                        + " content) values ($1, 0, $2, 'user', 'hi')").execute(Tuple.of(session, turn))))
                .await().atMost(Duration.ofSeconds(5));
        return session;
    }

    private long count(String sql, Object param) {
        return (param == null ? pool.query(sql).execute() : pool.preparedQuery(sql).execute(Tuple.of(param)))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }
}

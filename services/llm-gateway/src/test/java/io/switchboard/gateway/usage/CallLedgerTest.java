package io.switchboard.gateway.usage;

import static io.restassured.RestAssured.given;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.mutiny.Multi;
import io.smallrye.reactive.messaging.kafka.reply.KafkaRequestReply;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.provider.FakeVendor;
import io.switchboard.testing.TestOrgs;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Budgets hold with calls in flight and across replicas (a call reserves the most it may cost before it goes out, in
 * PostgreSQL), agents' calls over Kafka count against their organization's budget, and every call is written down
 * as it goes out, so a replica that dies mid-call leaves a record the sweep settles, and a call that cannot be written
 * down is refused.
 */
@QuarkusTest
class CallLedgerTest {
    @TestHTTPResource("/")
    URI base;

    @Inject
    Vertx vertx;

    @Inject
    Pool pool;

    @Inject
    CallRecorder recorder;

    @Inject
    @Channel("test-llm-requests")
    KafkaRequestReply<LlmRequest, LlmChunk> kafka;

    private FakeVendor vendor;

    @BeforeEach
    void vendor() throws Exception {
        vendor = new FakeVendor(vertx.getDelegate(), "openai");
    }

    @AfterEach
    void close() throws Exception {
        vendor.close();
    }

    /** A priced deployment (gpt-4o-mini's list prices) of the organization whose token this is. */
    private void pricedDeployment(String token, String name) {
        given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON)
                .body(Map.of("provider", "openai-compatible", "baseUrl", "http://127.0.0.1:" + vendor.port() + "/v1",
                        "model", "gpt-4o-mini")).put("/api/deployments/" + name).then().statusCode(200);
    }

    private static Map<String, Object> chat(String model, String scenario, boolean stream) {
        return Map.of("model", model, "stream", stream,
                "messages", List.of(Map.of("role", "user", "content", "scenario:" + scenario)));
    }

    private Row call(String where, Object value) {
        var rows = pool.preparedQuery("select * from gateway.llm_calls where " + where + " order by id desc limit 1")
                .execute(Tuple.of(value)).await().atMost(Duration.ofSeconds(5));
        return rows.size() == 0 ? null : rows.iterator().next();
    }

    @Test
    void whenTheLedgerTakesNoRowsCallsAreRefusedAndStopGoingOut() {
        pricedDeployment("sb_test_admin_token", "ledger-down");
        String key = io.switchboard.gateway.TestKeys.unlimited();
        // a failed opening of an earlier test would make calls wait for their rows (gateway.calls.ledger-doubt)
        await().atMost(Duration.ofSeconds(10)).until(() -> !recorder.ledgerInDoubt());
        // every row refused, after 300 ms: time for a call that goes out with its row to reach the provider
        pool.query("create function gateway.refuse_slowly() returns boolean language plpgsql immutable as"
                + " $$ begin perform pg_sleep(0.3); return false; end $$").execute()
                .await().atMost(Duration.ofSeconds(5));
        pool.query("alter table gateway.llm_calls add constraint refuse_rows check (gateway.refuse_slowly())"
                + " not valid").execute().await().atMost(Duration.ofSeconds(5));
        try {
            for (boolean stream : new boolean[] {false, true, false}) {
                given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                        .body(chat("ledger-down", "plain", stream)).post("/v1/chat/completions").then()
                        .statusCode(503).body("error.code", equalTo("usage_unavailable"));
            }
            // the first went out with its row and was refused when the row failed; the others waited for theirs
            assertThat(vendor.requests("plain")).isEqualTo(1);
            assertThat(recorder.ledgerInDoubt()).isTrue();
        } finally {
            pool.query("alter table gateway.llm_calls drop constraint refuse_rows").execute()
                    .await().atMost(Duration.ofSeconds(5));
            pool.query("drop function gateway.refuse_slowly()").execute().await().atMost(Duration.ofSeconds(5));
        }
    }

    @Test
    void aKeysBudgetCountsWhatCallsInFlightMayCost() throws Exception {
        pricedDeployment("sb_test_admin_token", "ledger-priced");
        BigDecimal reserve = recorder.reservation(LlmRequest.of("r", null, null, "ledger-priced",
                List.of(ChatMessage.user("scenario:plain")), List.of()));
        assertThat(reserve).isPositive();
        // room for one call in flight, not two
        var created = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "one-at-a-time",
                "budgetUsd", reserve.multiply(new BigDecimal("1.5")))).post("/api/keys").then().statusCode(201)
                .extract();
        String key = created.path("key");
        String keyId = created.path("info.id");

        HttpClient client = vertx.getDelegate().createHttpClient();
        try {
            HttpClientRequest stalled = client.request(HttpMethod.POST, base.getPort(), "localhost",
                    "/v1/chat/completions").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            stalled.putHeader("Authorization", "Bearer " + key).putHeader("Content-Type", "application/json")
                    .send(new io.vertx.core.json.JsonObject(chat("ledger-priced", "stall", true)).encode());
            // written down before it went out, with what it reserved
            await().atMost(Duration.ofSeconds(10)).until(() -> vendor.requests("stall") == 1);
            Row running = call("api_key_id = $1", UUID.fromString(keyId));
            assertThat(running.getString("status")).isEqualTo("running");
            assertThat(running.getBigDecimal("key_reserved_usd")).isEqualByComparingTo(reserve);

            given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                    .body(chat("ledger-priced", "plain", false)).post("/v1/chat/completions").then().statusCode(429)
                    .body("error.code", equalTo("budget_exceeded"));
            assertThat(vendor.requests("plain")).isZero();

            // the client goes away: the call is settled as cancelled and its reservation freed
            stalled.connection().close();
            await().atMost(Duration.ofSeconds(10)).until(() -> "cancelled".equals(
                    call("id = $1", running.getLong("id")).getString("status")));
            given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                    .body(chat("ledger-priced", "plain", false)).post("/v1/chat/completions").then().statusCode(200);
        } finally {
            client.close();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(pool.preparedQuery(
                        "select reserved_usd, spent_usd from gateway.api_keys where id = $1")
                .execute(Tuple.of(UUID.fromString(keyId))).await().atMost(Duration.ofSeconds(5)).iterator().next()
                .getBigDecimal("reserved_usd")).isZero());
    }

    @Test
    void anOrganizationsMonthlyBudgetCoversItsAgentsCallsOverKafka() {
        kafka.waitForAssignments().await().atMost(Duration.ofSeconds(30));
        TestOrgs.Org org = TestOrgs.create(pool, "budgeted " + UUID.randomUUID());
        pricedDeployment(org.ownerToken(), "agents-model");
        given().header("Authorization", "Bearer " + org.ownerToken()).get("/api/budget").then().statusCode(404);
        given().header("Authorization", "Bearer " + org.ownerToken()).contentType(ContentType.JSON)
                .body(Map.of("monthlyUsd", 0)).put("/api/budget").then().statusCode(200)
                .body("monthlyUsd", equalTo(0));

        List<LlmChunk> refused = agentCall(org.id(), "agents-model");
        assertThat(refused.get(refused.size() - 1)).isInstanceOfSatisfying(LlmChunk.Failed.class,
                failed -> assertThat(failed.code()).isEqualTo("budget_exceeded"));
        assertThat(vendor.requests("plain")).isZero();

        given().header("Authorization", "Bearer " + org.ownerToken()).contentType(ContentType.JSON)
                .body(Map.of("monthlyUsd", 1)).put("/api/budget").then().statusCode(200);
        List<LlmChunk> served = agentCall(org.id(), "agents-model");
        assertThat(served.get(served.size() - 1)).isInstanceOf(LlmChunk.Finished.class);
        // 12 input (4 cached) and 6 output tokens of gpt-4o-mini: (8 x 0.15 + 4 x 0.075 + 6 x 0.60) / 1M
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given()
                .header("Authorization", "Bearer " + org.ownerToken()).get("/api/budget").then().statusCode(200)
                .body("spentUsd", equalTo(0.0000051f)).body("reservedUsd", equalTo(0)));
        // another organization's budget is its own
        TestOrgs.Org other = TestOrgs.create(pool, "unbudgeted " + UUID.randomUUID());
        given().header("Authorization", "Bearer " + other.ownerToken()).get("/api/budget").then().statusCode(404);
    }

    @Test
    void theCallsOfAReplicaThatDiedAreSettledAtWhatTheyReserved() {
        var created = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "crashed", "budgetUsd", 1))
                .post("/api/keys").then().statusCode(201).extract();
        UUID keyId = UUID.fromString(created.path("info.id"));
        // as a replica opens a call before it goes out; the replica then dies without settling it
        BigDecimal reserved = new BigDecimal("0.25");
        long id = pool.preparedQuery("select gateway.open_call($1, null, null, null, 'm', $2, $3, $4, $5)")
                .execute(Tuple.of("lost-" + UUID.randomUUID(), keyId,
                        io.switchboard.auth.IdentitySchema.DEFAULT_ORG, reserved,
                        OffsetDateTime.now(ZoneOffset.UTC).minusHours(1)))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
        assertThat(id).isPositive();
        recorder.sweep().await().atMost(Duration.ofSeconds(30));
        Row settled = call("id = $1", id);
        assertThat(settled.getString("status")).isEqualTo("interrupted");
        assertThat(settled.getBigDecimal("cost_usd")).isEqualByComparingTo(reserved);
        Row key = pool.preparedQuery("select reserved_usd, spent_usd from gateway.api_keys where id = $1")
                .execute(Tuple.of(keyId)).await().atMost(Duration.ofSeconds(5)).iterator().next();
        assertThat(key.getBigDecimal("reserved_usd")).isZero();
        assertThat(key.getBigDecimal("spent_usd")).isEqualByComparingTo(reserved);
        // a second sweep counts it no more
        recorder.sweep().await().atMost(Duration.ofSeconds(30));
        assertThat(pool.preparedQuery("select spent_usd from gateway.api_keys where id = $1").execute(Tuple.of(keyId))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getBigDecimal(0))
                .isEqualByComparingTo(reserved);
    }

    private List<LlmChunk> agentCall(UUID org, String model) {
        LlmRequest request = LlmRequest.of(UUID.randomUUID().toString(), "s", "t", model,
                List.of(ChatMessage.user("scenario:plain")), List.of()).forOrg(org.toString());
        LlmChunk end = new LlmChunk.Finished("<end>", -1, "end");
        return kafka.requestMulti(request)
                .onItem().transformToMultiAndConcatenate(c -> c.last() ? Multi.createFrom().items(c, end)
                        : Multi.createFrom().item(c))
                .select().first(c -> c != end).collect().asList().await().atMost(Duration.ofSeconds(30));
    }
}

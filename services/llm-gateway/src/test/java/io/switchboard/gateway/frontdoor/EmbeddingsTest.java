package io.switchboard.gateway.frontdoor;

import static io.restassured.RestAssured.given;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.gateway.TestKeys;
import io.switchboard.gateway.provider.FakeVendor;
import io.switchboard.gateway.provider.Json;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/embeddings} with the official OpenAI SDK: against sim offline, and an OpenAI-compatible server. */
@QuarkusTest
class EmbeddingsTest {
    @TestHTTPResource("/")
    URL root;

    @Inject
    io.vertx.mutiny.core.Vertx vertx;

    private FakeVendor server;

    @BeforeEach
    void startServer() throws Exception {
        server = new FakeVendor(vertx.getDelegate(), "openai-compatible");
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai-compatible", "baseUrl",
                "http://127.0.0.1:" + server.port() + "/v1", "model", "upstream-model"))
                .put("/api/deployments/embedder").then().statusCode(200);
    }

    @AfterEach
    void stopServer() throws Exception {
        server.close();
    }

    private OpenAIClient openai() {
        return OpenAIOkHttpClient.builder().baseUrl(root + "v1").apiKey(TestKeys.unlimited()).maxRetries(0).build();
    }

    @Test
    void simEmbedsOfflineTheSameTextTheSameWayAndLikeTextsAlike() {
        CreateEmbeddingResponse answer = openai().embeddings().create(EmbeddingCreateParams.builder().model("sim")
                .inputOfArrayOfStrings(List.of("the cat sat on the mat", "the cat sat on a mat",
                        "quarterly revenue grew", "the cat sat on the mat")).build());
        assertThat(answer.data()).hasSize(4);
        List<List<Float>> vectors = answer.data().stream().map(e -> e.embedding()).toList();
        assertThat(vectors.get(0)).hasSize(64).isEqualTo(vectors.get(3));
        assertThat(cosine(vectors.get(0), vectors.get(1))).isGreaterThan(cosine(vectors.get(0), vectors.get(2)));
        assertThat(answer.usage().promptTokens()).isEqualTo(21); // words: 6 + 6 + 3 + 6

        List<Float> small = openai().embeddings().create(EmbeddingCreateParams.builder().model("sim")
                .input("hello").dimensions(8).build()).data().get(0).embedding();
        assertThat(small).hasSize(8);
    }

    @Test
    void anOpenAiCompatibleServerEmbedsAndTheCallIsRecorded() {
        CreateEmbeddingResponse answer = openai().embeddings().create(EmbeddingCreateParams.builder()
                .model("embedder").inputOfArrayOfStrings(List.of("scenario:embed first", "the second"))
                .dimensions(3).build());
        assertThat(answer.data()).extracting(e -> e.index()).containsExactly(0L, 1L);
        assertThat(answer.data().get(0).embedding()).containsExactly(0.0023064255f, -0.009327292f, 0.015797347f);
        assertThat(answer.data().get(1).embedding()).containsExactly(-0.0028842222f, 0.0108394f, -0.0055123f);
        assertThat(answer.usage().promptTokens()).isEqualTo(8);
        assertThat(Json.read(server.lastRequest("embed").body()).path("input")).hasSize(2);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> asAdmin().get("/api/usage/calls").then()
                .body("find { it.deployment == 'embedder' }.inputTokens", org.hamcrest.Matchers.equalTo(8))
                .body("find { it.deployment == 'embedder' }.status", org.hamcrest.Matchers.equalTo("ok")));
    }

    @Test
    void base64AsOpenAiSendsItAndBadInputAsA400() {
        String encoded = given().header("Authorization", "Bearer " + TestKeys.unlimited())
                .contentType(ContentType.JSON).body(Map.of("model", "sim", "input", "hello",
                        "encoding_format", "base64", "dimensions", 2))
                .post("/v1/embeddings").then().statusCode(200).extract().path("data[0].embedding");
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(java.util.Base64.getDecoder().decode(encoded))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        float first = bytes.getFloat();
        float second = bytes.getFloat();
        assertThat(first * first + second * second).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));

        given().header("Authorization", "Bearer " + TestKeys.unlimited()).contentType(ContentType.JSON)
                .body(Map.of("model", "sim", "input", List.of())).post("/v1/embeddings").then().statusCode(400)
                .body("error.message", containsString("input"));
        given().contentType(ContentType.JSON).body(Map.of("model", "sim", "input", "hi")).post("/v1/embeddings")
                .then().statusCode(401);
        assertThatThrownBy(() -> openai().embeddings().create(EmbeddingCreateParams.builder().model("sim")
                .inputOfArrayOfTokens(List.of(1L, 2L)).build())).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("token arrays");
    }

    private static double cosine(List<Float> a, List<Float> b) {
        double dot = 0;
        for (int i = 0; i < a.size(); i++) {
            dot += a.get(i) * b.get(i);
        }
        return dot; // both have length 1
    }
}

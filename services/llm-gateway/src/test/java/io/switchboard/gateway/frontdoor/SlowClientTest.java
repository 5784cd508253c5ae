package io.switchboard.gateway.frontdoor;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.gateway.TestKeys;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client that reads slowly slows the upstream down instead of making the gateway hold the stream: with the client
 * reading nothing, an OpenAI-style upstream that writes as fast as its socket takes it stops well short of the end;
 * once the client reads, every chunk arrives, in order, and the stream ends as it should.
 */
@QuarkusTest
class SlowClientTest {
    /** About 50 MB each way: more than every socket buffer between the upstream and the client holds. */
    private static final int CHUNKS = 50_000;
    private static final String TEXT = "x".repeat(1000);

    @TestHTTPResource("/")
    URL root;

    @Inject
    io.vertx.mutiny.core.Vertx vertx;

    private HttpServer upstream;
    private final AtomicInteger written = new AtomicInteger();

    @BeforeEach
    void startUpstream() throws Exception {
        upstream = vertx.getDelegate().createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            HttpServerResponse response = request.response().setChunked(true)
                    .putHeader("Content-Type", "text/event-stream");
            pour(response);
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai", "baseUrl",
                "http://127.0.0.1:" + upstream.actualPort() + "/v1", "model", "upstream-model", "apiKey", "sk-test"))
                .put("/api/deployments/slow-client").then().statusCode(200);
    }

    /** Writes chunks for as long as the connection takes them, and goes on when it drains, like any server. */
    private void pour(HttpServerResponse response) {
        while (!response.writeQueueFull()) {
            int n = written.get();
            if (n == CHUNKS) {
                response.end("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                        + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
                return;
            }
            response.write("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                    + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + TEXT + "\"},\"finish_reason\":null}]}\n\n");
            written.incrementAndGet();
        }
        response.drainHandler(x -> pour(response));
    }

    @AfterEach
    void stopUpstream() throws Exception {
        upstream.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aClientThatDoesNotReadHoldsTheUpstreamBackAndLaterGetsEveryChunk() throws Exception {
        String body = "{\"model\":\"slow-client\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(64 * 1024);
            socket.connect(new java.net.InetSocketAddress(root.getHost(), root.getPort()), 5000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + root.getHost() + "\r\n"
                    + "Authorization: Bearer " + TestKeys.unlimited() + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();

            // the client reads nothing: the upstream must come to a stop, far from the end
            int[] last = {-1};
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                int now = written.get();
                boolean still = now > 0 && now == last[0];
                last[0] = now;
                return still;
            });
            assertThat(written.get()).as("chunks the upstream wrote while the client read nothing")
                    .isLessThan(CHUNKS / 2);

            // now it reads: every chunk comes, in order, then the end
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8), 64 * 1024);
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
            int texts = 0;
            boolean done = false;
            for (String line = in.readLine(); line != null && !done; line = in.readLine()) {
                if (line.startsWith("data: {") && line.contains("\"content\":\"" + TEXT + "\"")) {
                    texts++;
                }
                done = line.equals("data: [DONE]");
            }
            assertThat(done).as("the stream ended with [DONE]").isTrue();
            assertThat(texts).isEqualTo(CHUNKS);
            assertThat(written.get()).isEqualTo(CHUNKS);
        }
    }
}

package io.switchboard.gateway.frontdoor;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.gateway.TestKeys;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logging.MDC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client that reads slowly slows the upstream down instead of making the gateway hold the stream, and one that
 * reads nothing for the send timeout (10 s in tests) has its call stopped. The upstream is OpenAI-style and writes as
 * fast as its connection takes it.
 */
@QuarkusTest
class SlowClientTest {
    private static final String DEPLOYMENT = "slow-client";
    private static final String TEXT = "x".repeat(1000);
    private static final String CHUNK = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + TEXT + "\"},"
            + "\"finish_reason\":null}]}\n\n";
    private static final int SOCKET_BUFFER = 64 * 1024;
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";
    private static final String TRACEPARENT = "00-" + TRACE + "-" + CALLER_SPAN + "-01";
    /**
     * The most the sockets between the upstream and the client can hold: the gateway's two (the kernel grows them up
     * to its limits), the upstream's and the client's (pinned), and a megabyte for the gateway's own queues.
     */
    private static final long IN_SOCKETS = kernelLimit("tcp_rmem") + kernelLimit("tcp_wmem") + 4L * SOCKET_BUFFER
            + 1024 * 1024;
    /** A stream three times as long. */
    private static final int CHUNKS = (int) (3 * IN_SOCKETS / CHUNK.length());

    @TestHTTPResource("/")
    URL root;

    @Inject
    io.vertx.mutiny.core.Vertx vertx;

    private HttpServer upstream;
    private final AtomicInteger written = new AtomicInteger();
    private final AtomicBoolean upstreamClosed = new AtomicBoolean();

    @BeforeEach
    void startUpstream() throws Exception {
        upstream = vertx.getDelegate().createHttpServer(new HttpServerOptions().setSendBufferSize(SOCKET_BUFFER))
                .requestHandler(request -> request.body().onSuccess(body -> {
                    HttpServerResponse response = request.response().setChunked(true)
                            .putHeader("Content-Type", "text/event-stream");
                    response.closeHandler(x -> upstreamClosed.set(true));
                    pour(response);
                })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        asAdmin().contentType(ContentType.JSON).body(Map.of("provider", "openai", "baseUrl",
                "http://127.0.0.1:" + upstream.actualPort() + "/v1", "model", "upstream-model", "apiKey", "sk-test"))
                .put("/api/deployments/" + DEPLOYMENT).then().statusCode(200);
    }

    /** Writes chunks for as long as the connection takes them, and goes on when it drains, like any server. */
    private void pour(HttpServerResponse response) {
        while (!response.writeQueueFull() && !response.closed()) {
            if (written.get() == CHUNKS) {
                response.end("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                        + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
                return;
            }
            response.write(CHUNK);
            written.incrementAndGet();
        }
        response.drainHandler(x -> pour(response));
    }

    @AfterEach
    void stopUpstream() throws Exception {
        asAdmin().delete("/api/deployments/" + DEPLOYMENT).then().statusCode(204);
        upstream.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aClientThatDoesNotReadHoldsTheUpstreamBackAndLaterGetsEveryChunk() throws Exception {
        try (Socket client = ask(null)) {
            int stoppedAt = awaitUpstreamStopped();
            assertThat((long) stoppedAt * CHUNK.length()).as("bytes the upstream wrote while the client read nothing"
                    + " (%d chunks of %d)", stoppedAt, CHUNKS).isLessThanOrEqualTo(IN_SOCKETS);

            // now it reads: every chunk comes, then the end
            BufferedReader in = reader(client);
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

    @Test
    void aClientThatReadsNothingForTheSendTimeoutHasItsCallStopped() throws Exception {
        // the line that says so carries the call's trace: here the client's, from its traceparent
        List<String> stopped = new CopyOnWriteArrayList<>();
        Handler lines = new Handler() {
            @Override
            public void publish(LogRecord line) {
                if (line.getMessage() != null && line.getMessage().contains("read nothing")) {
                    stopped.add(MDC.get("traceId") + " " + MDC.get("spanId"));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(StreamingResponder.class.getName());
        logger.addHandler(lines);
        try (Socket client = ask(TRACEPARENT)) {
            awaitUpstreamStopped();
            await().atMost(Duration.ofSeconds(30)).untilTrue(upstreamClosed);
            assertThat(written.get()).isLessThan(CHUNKS);
            assertThat(stopped).singleElement().asString().startsWith(TRACE + " ").doesNotContain("null")
                    .doesNotEndWith(" " + CALLER_SPAN);

            // the client then finds what was sent before, and a closed connection without the stream's end
            BufferedReader in = reader(client);
            boolean done = false;
            try {
                for (String line = in.readLine(); line != null && !done; line = in.readLine()) {
                    done = line.equals("data: [DONE]");
                }
            } catch (IOException reset) {
                // the connection was reset: also an end without [DONE]
            }
            assertThat(done).isFalse();
        } finally {
            logger.removeHandler(lines);
        }
    }

    /** Sends a streamed request for the deployment (with a {@code traceparent}, if not null) and reads nothing. */
    private Socket ask(String traceparent) throws IOException {
        String body = "{\"model\":\"" + DEPLOYMENT + "\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}]}";
        Socket socket = new Socket();
        socket.setReceiveBufferSize(SOCKET_BUFFER);
        socket.connect(new InetSocketAddress(root.getHost(), root.getPort()), 5000);
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + root.getHost() + "\r\n"
                + "Authorization: Bearer " + TestKeys.unlimited() + "\r\nContent-Type: application/json\r\n"
                + (traceparent == null ? "" : "traceparent: " + traceparent + "\r\n")
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
        return socket;
    }

    /** Waits until the upstream has written nothing for a second, and says how many chunks it wrote. */
    private int awaitUpstreamStopped() {
        int[] last = {-1};
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            int now = written.get();
            boolean still = now > 0 && now == last[0];
            last[0] = now;
            return still;
        });
        return last[0];
    }

    private static BufferedReader reader(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 64 * 1024);
    }

    /** The largest a TCP socket's buffer may grow to ({@code /proc/sys/net/ipv4/<name>}, its third figure). */
    private static long kernelLimit(String name) {
        try {
            String[] figures = Files.readAllLines(Path.of("/proc/sys/net/ipv4", name)).get(0).trim().split("\\s+");
            return Long.parseLong(figures[2]);
        } catch (IOException e) {
            throw new IllegalStateException("this test reads the kernel's socket limits from /proc", e);
        }
    }
}

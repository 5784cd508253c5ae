package io.switchboard.gateway.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.mutiny.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the gateway reads from a provider is bounded: a provider that sends an endless line, or an endless error body,
 * costs a bounded buffer and a failed call, not the replica's memory (before the limits, both calls never ended).
 */
class UpstreamLimitsTest {
    private static final Buffer CHUNK = Buffer.buffer("x".repeat(64 * 1024));

    private final Vertx vertx = Vertx.vertx();
    private HttpServer server;
    private Upstream upstream;

    @BeforeEach
    void endlessProvider() throws Exception {
        server = vertx.getDelegate().createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            var response = request.response().setChunked(true)
                    .setStatusCode(request.path().endsWith("error") ? 500 : 200)
                    .putHeader("Content-Type", "text/event-stream");
            response.write("data: ");
            // 64 KiB every millisecond, never a newline, never the end
            long timer = vertx.getDelegate().setPeriodic(1, id -> response.write(CHUNK));
            response.closeHandler(closed -> vertx.getDelegate().cancelTimer(timer));
            request.connection().closeHandler(closed -> vertx.getDelegate().cancelTimer(timer));
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        upstream = new Upstream(vertx, "http://127.0.0.1:" + server.actualPort() + "/", Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() {
        upstream.close();
        server.close();
        vertx.closeAndAwait();
    }

    @Test
    void anEndlessLineFailsTheCallAtTheLimit() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> upstream.postForEvents("stream", Map.of(), "{}", LineDecoder.of(line -> List.of(), List::of)).collect().asList()
                .await().atMost(Duration.ofSeconds(60)))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.kind()).isEqualTo(ProviderException.Kind.STREAM_INTERRUPTED));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void anEndlessErrorBodyIsReadOnlyInPart() {
        assertThatThrownBy(() -> upstream.postForEvents("error", Map.of(), "{}", LineDecoder.of(line -> List.of(), List::of)).collect().asList()
                .await().atMost(Duration.ofSeconds(60)))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.getMessage()).startsWith("upstream answered 500: data: xxx");
                    assertThat(e.getMessage().length()).isLessThan(1000);
                });
    }
}

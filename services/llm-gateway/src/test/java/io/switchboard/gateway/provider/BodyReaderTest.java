package io.switchboard.gateway.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.mutiny.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How a streamed body is read, against a real local server: a slow stream that never pauses as long as the idle
 * timeout lives on (its one timer is re-armed), and so does one whose reader paused it for longer; a last line
 * without its line break counts, and a subscriber that goes away closes the upstream request.
 */
class BodyReaderTest {
    private static final Duration IDLE = Duration.ofMillis(300);
    private final Vertx vertx = Vertx.vertx();
    private final AtomicBoolean upstreamClosed = new AtomicBoolean();
    private HttpServer server;
    private Upstream upstream;

    @BeforeEach
    void server() throws Exception {
        server = vertx.getDelegate().createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            HttpServerResponse response = request.response().setChunked(true);
            response.closeHandler(x -> upstreamClosed.set(true));
            switch (request.path()) {
                case "/slow": // a line every 100 ms for 1.2 s: four times the idle timeout in all, never idle for it
                    drip(response, 12);
                    break;
                case "/unterminated":
                    response.end("first\nlast without a break");
                    break;
                default: // endless, a line every 50 ms
                    drip(response, Integer.MAX_VALUE);
            }
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        upstream = new Upstream(vertx, "http://127.0.0.1:" + server.actualPort() + "/", Duration.ofSeconds(5),
                Duration.ofSeconds(5), IDLE);
    }

    private void drip(HttpServerResponse response, int lines) {
        if (lines == 0) {
            response.end();
            return;
        }
        if (!response.closed()) {
            response.write("line\n");
            vertx.getDelegate().setTimer(lines == Integer.MAX_VALUE ? 50 : 100, id -> drip(response,
                    lines == Integer.MAX_VALUE ? lines : lines - 1));
        }
    }

    @AfterEach
    void stop() {
        upstream.close();
        server.close();
        vertx.closeAndAwait();
    }

    private static LineDecoder collecting(List<String> lines) {
        return LineDecoder.of(line -> {
            lines.add(line);
            return List.of();
        }, List::of);
    }

    @Test
    void aSlowStreamLivesOnWhileItIsNeverIdleForTheTimeout() {
        List<String> lines = new CopyOnWriteArrayList<>();
        upstream.postForEvents("slow", Map.of(), "{}", collecting(lines)).collect().asList()
                .await().atMost(Duration.ofSeconds(10));
        assertThat(lines).hasSize(12).containsOnly("line");
    }

    @Test
    void aStreamItsCallerPausedLongerThanTheIdleTimeoutIsNotTakenForAStall() {
        AssertSubscriber<ProviderEvent> caller = upstream.postForEvents("slow", Map.of(), "{}",
                LineDecoder.of(line -> List.of(new ProviderEvent.TextDelta(line)), List::of))
                .subscribe().withSubscriber(AssertSubscriber.create(1));
        caller.awaitItems(1);
        org.awaitility.Awaitility.await().pollDelay(IDLE.multipliedBy(4)).until(() -> true); // the caller reads nothing
        caller.request(Long.MAX_VALUE).awaitCompletion(Duration.ofSeconds(10));
        assertThat(caller.getItems()).hasSize(12);
    }

    @Test
    void aLastLineWithoutItsBreakCounts() {
        List<String> lines = new CopyOnWriteArrayList<>();
        upstream.postForEvents("unterminated", Map.of(), "{}", collecting(lines)).collect().asList()
                .await().atMost(Duration.ofSeconds(10));
        assertThat(lines).containsExactly("first", "last without a break");
    }

    @Test
    void aSubscriberThatGoesAwayClosesTheUpstreamRequest() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        var subscription = upstream.postForEvents("endless", Map.of(), "{}", collecting(lines)).subscribe()
                .with(x -> { }, e -> { });
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> lines.size() >= 3);
        subscription.cancel();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilTrue(upstreamClosed);
    }

    @Test
    void aDecoderThatCannotReadALineFailsTheCallAndClosesTheRequest() {
        assertThatThrownBy(() -> upstream.postForEvents("endless", Map.of(), "{}", LineDecoder.of(line -> {
            throw new ProviderException(ProviderException.Kind.STREAM_INTERRUPTED, "unreadable");
        }, List::of)).collect().asList().await().atMost(Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.getMessage()).isEqualTo("unreadable"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilTrue(upstreamClosed);
    }
}

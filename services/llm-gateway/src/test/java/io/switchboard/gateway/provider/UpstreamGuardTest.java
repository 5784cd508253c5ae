package io.switchboard.gateway.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.api.SsrfGuard;
import io.vertx.core.http.HttpServer;
import io.vertx.mutiny.core.Vertx;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A deployment stored through the API reaches its provider only at an address the SSRF guard checked, on every
 * connection: a name that later resolves to an internal address gets no request (and so no stored key).
 */
class UpstreamGuardTest {
    private final Vertx vertx = Vertx.vertx();
    private final AtomicInteger requests = new AtomicInteger();
    private HttpServer server;

    /** Names no DNS knows; this resolver puts both on the loopback address. */
    private static final SsrfGuard.Resolver RESOLVER = host -> host.endsWith(".test")
            ? new InetAddress[] {InetAddress.getLoopbackAddress()} : InetAddress.getAllByName(host);

    @BeforeEach
    void provider() throws Exception {
        server = vertx.getDelegate().createHttpServer().requestHandler(request -> {
            requests.incrementAndGet();
            request.response().putHeader("Content-Type", "text/event-stream").end("data: {}\n\n");
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        server.close();
        vertx.closeAndAwait();
    }

    private Upstream upstream(String host, SsrfGuard guard) {
        return new Upstream(vertx, "http://" + host + ":" + server.actualPort() + "/v1", Duration.ofSeconds(5),
                Duration.ofSeconds(10), Duration.ofSeconds(10), guard);
    }

    @Test
    void aNameThatResolvesToAnInternalAddressGetsNoRequest() {
        Upstream upstream = upstream("llm.rebind.test", new SsrfGuard(List.of(), RESOLVER));
        try {
            assertThatThrownBy(() -> upstream.postForEvents("chat/completions", Map.of("Authorization", "Bearer k"),
                    "{}", LineDecoder.of(line -> List.of(), List::of)).collect().asList().await().atMost(Duration.ofSeconds(20)))
                    .isInstanceOfSatisfying(ProviderException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ProviderException.Kind.CONNECTION_FAILED);
                        assertThat(e.getMessage()).contains("private or reserved");
                    });
            assertThat(requests).hasValue(0);
        } finally {
            upstream.close();
        }
    }

    @Test
    void theClientConnectsToTheCheckedAddressNotToAFreshLookup() {
        // trusted, so loopback is allowed; the name is one only the guard's resolver knows
        Upstream upstream = upstream("llm.pinned.test", new SsrfGuard(List.of("llm.pinned.test"), RESOLVER));
        try {
            List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
            upstream.postForEvents("chat/completions", Map.of(), "{}", LineDecoder.of(line -> {
                lines.add(line);
                return List.of();
            }, List::of)).collect().asList().await().atMost(Duration.ofSeconds(20));
            assertThat(lines).contains("data: {}");
            assertThat(requests).hasValue(1);
        } finally {
            upstream.close();
        }
    }
}

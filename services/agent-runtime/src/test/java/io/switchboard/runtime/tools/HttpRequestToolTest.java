package io.switchboard.runtime.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.api.SsrfGuard;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The HTTP tool against a real local server, and the SSRF guard that keeps it to public hosts. */
class HttpRequestToolTest {
    private static Vertx vertx;
    private static HttpServer server;
    private static final Map<String, String> seen = new ConcurrentHashMap<>();
    private static HttpRequestTool tool;

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(request -> {
            seen.put("idempotency-key", String.valueOf(request.getHeader("Idempotency-Key")));
            seen.put("method", request.method().name());
            switch (request.path()) {
                case "/hop" -> request.response().setStatusCode(302)
                        .putHeader("Location", "http://localhost:" + request.localAddress().port() + "/hello").end();
                case "/to-private" -> request.response().setStatusCode(302)
                        .putHeader("Location", "http://127.0.0.1:" + request.localAddress().port() + "/hello").end();
                default -> request.body().onSuccess(body -> request.response()
                        .end("hello from " + request.path() + (body.length() > 0 ? " with " + body : "")));
            }
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        // the test server is on localhost: trusted here as an operator would trust an internal API
        tool = new HttpRequestTool(vertx, new SsrfGuard(List.of("localhost:" + server.actualPort())),
                new ObjectMapper());
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    /** Repeated: small answers can end before a late reader attaches (a race that once hit CI). */
    @RepeatedTest(20)
    void callsATrustedHostWithTheStepsIdempotencyKeyAndFollowsCheckedRedirects() {
        String answer = call("{\"url\":\"" + base() + "/hop\"}", List.of());
        assertThat(answer).startsWith("HTTP 200").contains("hello from /hello");
        assertThat(seen).containsEntry("idempotency-key", "session/turn/call_1");
        assertThat(call("{\"url\":\"" + base() + "/echo\",\"method\":\"POST\",\"body\":\"data\"}", List.of()))
                .contains("hello from /echo with data");
    }

    @Test
    void privateAddressesAreRefusedAlsoBehindARedirect() {
        int port = server.actualPort();
        assertThatThrownBy(() -> call("{\"url\":\"http://127.0.0.1:" + port + "/hello\"}", List.of()))
                .isInstanceOf(Tool.Rejected.class).hasMessageContaining("private or reserved");
        assertThatThrownBy(() -> call("{\"url\":\"" + base() + "/to-private\"}", List.of()))
                .isInstanceOf(Tool.Rejected.class).hasMessageContaining("127.0.0.1");
        assertThatThrownBy(() -> call("{\"url\":\"file:///etc/passwd\"}", List.of()))
                .isInstanceOf(Tool.Rejected.class).hasMessageContaining("only http and https");
    }

    @Test
    void anAgentsAllowListLimitsWhereItMayGo() {
        assertThatThrownBy(() -> call("{\"url\":\"" + base() + "/hello\"}", List.of("api.example.com")))
                .isInstanceOf(Tool.Rejected.class).hasMessageContaining("may be called, not");
        assertThat(call("{\"url\":\"" + base() + "/hello\"}", List.of("localhost"))).startsWith("HTTP 200");
    }

    @Test
    void onlyPublicAddressesArePublic() throws Exception {
        for (String address : List.of("127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "fe80::1", "fd00::1",
                "::ffff:127.0.0.1", "::ffff:10.0.0.1")) {
            assertThat(SsrfGuard.isPublic(InetAddress.getByName(address))).as(address).isFalse();
        }
        for (String address : List.of("8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8")) {
            assertThat(SsrfGuard.isPublic(InetAddress.getByName(address))).as(address).isTrue();
        }
    }

    private static String base() {
        return "http://localhost:" + server.actualPort();
    }

    private static String call(String arguments, List<String> allowList) {
        return tool.call(arguments, new ToolContext("session/turn/call_1", allowList, null))
                .await().atMost(Duration.ofSeconds(10));
    }
}

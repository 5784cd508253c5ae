package io.switchboard.e2e;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A third-party HTTP API that agents call with the {@code http_request} tool: it answers the bodies a test gives it
 * and remembers each request's path, {@code Idempotency-Key}, query and {@code Authorization}. The runtime trusts it as an internal host.
 */
final class FakeApi implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, String> pages = new ConcurrentHashMap<>();
    private final Map<String, Long> delays = new ConcurrentHashMap<>();
    /** Paths whose delay is for their first request only. */
    private final Map<String, Boolean> delayOnce = new ConcurrentHashMap<>();
    private final List<String[]> requests = new CopyOnWriteArrayList<>();

    FakeApi(int port) throws IOException {
        // bound where "localhost" resolves first, which is where the tool connects
        server = HttpServer.create(new InetSocketAddress("localhost", port), 0);
        server.createContext("/", exchange -> {
            requests.add(new String[] {exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Idempotency-Key"), exchange.getRequestURI().getRawQuery(),
                    exchange.getRequestHeaders().getFirst("Authorization")});
            String page = pages.get(exchange.getRequestURI().getPath());
            String path = exchange.getRequestURI().getPath();
            Long delay = delayOnce.remove(path) != null ? delays.remove(path) : delays.get(path);
            try {
                Thread.sleep(delay == null ? 0L : delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = (page == null ? "not found" : page).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(page == null ? 404 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.setExecutor(Executors.newCachedThreadPool()); // a slow page must not hold up the others
        server.start();
    }

    void serve(String path, String body) {
        pages.put(path, body);
    }

    /** Serves {@code body} after {@code millis}: a slow third-party call. */
    void serveSlowly(String path, String body, long millis) {
        delays.put(path, millis);
        pages.put(path, body);
    }

    /** Serves {@code body} after {@code millis} the first time, at once after that. */
    void serveSlowlyOnce(String path, String body, long millis) {
        delayOnce.put(path, true);
        serveSlowly(path, body, millis);
    }

    /** Every request so far: {path, Idempotency-Key, raw query, Authorization}. */
    List<String[]> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

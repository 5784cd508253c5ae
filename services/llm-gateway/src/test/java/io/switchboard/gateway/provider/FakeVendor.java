package io.switchboard.gateway.provider;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A vendor's HTTP API, played back from recorded exchanges: a real local HTTP server that answers each request with the
 * fixture named by the {@code scenario:<name>} text in its body ({@code /wire/<vendor>/<name>.http}: a status line,
 * headers, a blank line, then the body byte for byte). A fixture header {@code x-fake-behavior} makes the server
 * {@code cut} the connection after the body, {@code stall} after it, or {@code drip} it line by line.
 */
public final class FakeVendor implements AutoCloseable {
    private static final Pattern SCENARIO = Pattern.compile("scenario:([a-z0-9-]+)");

    private final String vendor;
    private final Vertx vertx;
    private final HttpServer server;
    private final Map<String, Recorded> lastRequests = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> counts = new ConcurrentHashMap<>();

    /** A request as the fake received it. */
    public record Recorded(String path, Map<String, String> headers, String body) {
    }

    public FakeVendor(Vertx vertx, String vendor) throws Exception {
        this.vertx = vertx;
        this.vendor = vendor;
        this.server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public int port() {
        return server.actualPort();
    }

    public Recorded lastRequest(String scenario) {
        return lastRequests.get(scenario);
    }

    /** How many requests asked for the scenario. */
    public int requests(String scenario) {
        java.util.concurrent.atomic.AtomicInteger count = counts.get(scenario);
        return count == null ? 0 : count.get();
    }

    private void handle(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            String text = body.toString(StandardCharsets.UTF_8);
            Matcher m = SCENARIO.matcher(text);
            if (!m.find()) {
                request.response().setStatusCode(400).end("no scenario in request");
                return;
            }
            String scenario = m.group(1);
            Map<String, String> headers = new ConcurrentHashMap<>();
            request.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
            lastRequests.put(scenario, new Recorded(request.path(), headers, text));
            counts.computeIfAbsent(scenario, x -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            play(request, fixture(scenario));
        });
    }

    private void play(HttpServerRequest request, String fixture) {
        int split = fixture.indexOf("\n\n");
        String[] head = fixture.substring(0, split).split("\n");
        String body = fixture.substring(split + 2);
        HttpServerResponse response = request.response().setStatusCode(Integer.parseInt(head[0].split(" ")[1]));
        String behavior = "";
        for (int i = 1; i < head.length; i++) {
            int colon = head[i].indexOf(':');
            String name = head[i].substring(0, colon).strip();
            String value = head[i].substring(colon + 1).strip();
            if (name.equals("x-fake-behavior")) {
                behavior = value;
            } else {
                response.putHeader(name, value);
            }
        }
        switch (behavior) {
            case "cut":
                response.setChunked(true).write(body).onComplete(x -> request.connection().close());
                break;
            case "stall":
                response.setChunked(true).write(body);
                break;
            case "drip":
                response.setChunked(true);
                drip(response, List.of(body.split("(?<=\n)")), 0);
                break;
            default:
                response.end(Buffer.buffer(body));
        }
    }

    private void drip(HttpServerResponse response, List<String> lines, int next) {
        if (next == lines.size()) {
            response.end();
            return;
        }
        response.write(lines.get(next));
        vertx.setTimer(20, id -> drip(response, lines, next + 1));
    }

    private String fixture(String scenario) {
        String path = "/wire/" + vendor + "/" + scenario + ".http";
        try (InputStream in = FakeVendor.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("no fixture " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}

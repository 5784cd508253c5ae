package io.switchboard.runtime.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.switchboard.api.SsrfGuard;
import io.switchboard.runtime.config.RuntimeConfig;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * Built-in: one HTTP request to a public host (GET, POST, PUT, PATCH, DELETE), answered with the status and the body.
 * Every destination, redirects included, passes {@link SsrfGuard} and the agent's allow-list; the call carries the
 * step's {@code Idempotency-Key}, so an API that dedupes on it sees a retried step once.
 */
@ApplicationScoped
public class HttpRequestTool implements Tool {
    static final int MAX_REDIRECTS = 3;
    static final int MAX_BODY_BYTES = 256 * 1024;
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE");

    private final Vertx vertx;
    private final HttpClient client;
    private final SsrfGuard guard;
    private final ObjectMapper json;

    @Inject
    public HttpRequestTool(Vertx vertx, RuntimeConfig config, ObjectMapper json) {
        this(vertx, new SsrfGuard(config.tools().http().trustedHosts().orElse(List.of())), json);
    }

    HttpRequestTool(Vertx vertx, SsrfGuard guard, ObjectMapper json) {
        this.vertx = vertx;
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5000).setIdleTimeout(30)
                .setMaxPoolSize(32));
        this.guard = guard;
        this.json = json;
    }

    @Override
    public String name() {
        return "http_request";
    }

    @Override
    public String description() {
        return "Makes one HTTP request to a public URL and returns the status line and the response body.";
    }

    @Override
    public Map<String, Object> parameters() {
        return Map.of("type", "object", "required", List.of("url"), "additionalProperties", false,
                "properties", Map.of(
                        "url", Map.of("type", "string", "maxLength", 2048, "description", "An http(s) URL"),
                        "method", Map.of("type", "string", "enum", METHODS, "description", "Default GET"),
                        "headers", Map.of("type", "object", "additionalProperties", Map.of("type", "string")),
                        "body", Map.of("type", "string", "maxLength", 100_000)));
    }

    @Override
    public Uni<String> call(String arguments, ToolContext context) {
        JsonNode args;
        try {
            args = json.readTree(arguments);
        } catch (Exception e) {
            return Uni.createFrom().failure(new Rejected("arguments are not JSON"));
        }
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        args.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        return request(args.path("url").asText(), HttpMethod.valueOf(args.path("method").asText("GET")), headers,
                args.hasNonNull("body") ? args.get("body").asText() : null, context.idempotencyKey(),
                context.httpAllowedHosts());
    }

    /**
     * One request through the SSRF guard (redirects followed and checked like the first URL), answered with the
     * status line and the body; {@code allowedHosts} empty: any public host. Also what operators' HTTP tools send.
     */
    public Uni<String> request(String url, HttpMethod method, Map<String, String> headers, String body,
                               String idempotencyKey, List<String> allowedHosts) {
        return send(url, method, headers, body, idempotencyKey, allowedHosts, 0);
    }

    private Uni<String> send(String url, HttpMethod method, Map<String, String> headers, String body,
                             String idempotencyKey, List<String> allowedHosts, int redirects) {
        // DNS is blocking: resolve and check on a worker thread
        return Uni.createFrom().item(() -> checked(guard, url, allowedHosts))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .flatMap(target -> exchange(target, method, headers, body, idempotencyKey))
                .flatMap(answer -> {
                    if (answer.location() == null) {
                        return Uni.createFrom().item(answer.text());
                    }
                    if (redirects == MAX_REDIRECTS) {
                        throw new Rejected("more than " + MAX_REDIRECTS + " redirects from " + url);
                    }
                    // the new place is checked like the first; after a 303 (or 301/302 of a POST) it is a GET
                    String next = URI.create(url).resolve(answer.location()).toString();
                    boolean keep = answer.status() == 307 || answer.status() == 308;
                    return send(next, keep ? method : HttpMethod.GET, headers, keep ? body : null, idempotencyKey,
                            allowedHosts, redirects + 1);
                });
    }

    /** The guard's answer; a refusal is the model's to hear ({@link Rejected}). */
    static SsrfGuard.Target checked(SsrfGuard guard, String url, List<String> allowedHosts) {
        try {
            return guard.check(url, allowedHosts);
        } catch (SsrfGuard.Refused e) {
            throw new Rejected(e.getMessage());
        }
    }

    private record Answer(int status, String location, String text) {
    }

    private Uni<Answer> exchange(SsrfGuard.Target target, HttpMethod method, Map<String, String> headers, String body,
                                 String idempotencyKey) {
        RequestOptions options = new RequestOptions().setMethod(method).setFollowRedirects(false)
                .setServer(SocketAddress.inetSocketAddress(target.port(), target.address().getHostAddress()))
                .setHost(target.host()).setPort(target.port()).setSsl(target.tls())
                .setURI(target.uri().getRawPath().isEmpty() ? "/" + query(target.uri())
                        : target.uri().getRawPath() + query(target.uri()))
                .putHeader("User-Agent", "switchboard-http-tool").putHeader("Idempotency-Key", idempotencyKey);
        headers.forEach(options::putHeader);
        // on a Vert.x context, so the response's handlers are in place before its body arrives
        Context loop = vertx.getOrCreateContext();
        return Uni.createFrom().emitter(emitter -> loop.runOnContext(x -> client.request(options)
                .compose(request -> body == null ? request.send() : request.send(body))
                .compose(this::read)
                .onComplete(done -> {
                    if (done.succeeded()) {
                        emitter.complete(done.result());
                    } else {
                        emitter.fail(done.cause());
                    }
                })));
    }

    private static String query(URI uri) {
        return uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    }

    /** Reads at most {@link #MAX_BODY_BYTES}; past that the connection is dropped and the answer says it was cut. */
    private io.vertx.core.Future<Answer> read(HttpClientResponse response) {
        Promise<Answer> answer = Promise.promise();
        int status = response.statusCode();
        String location = status >= 300 && status < 400 ? response.getHeader("Location") : null;
        Buffer body = Buffer.buffer();
        String head = "HTTP " + status + " " + response.statusMessage() + "\n";
        response.handler(chunk -> {
            if (body.length() + chunk.length() > MAX_BODY_BYTES) {
                body.appendBuffer(chunk, 0, MAX_BODY_BYTES - body.length());
                answer.tryComplete(new Answer(status, null, head + body + "\n[body cut at " + MAX_BODY_BYTES
                        + " bytes]"));
                response.request().reset();
            } else {
                body.appendBuffer(chunk);
            }
        });
        response.endHandler(x -> answer.tryComplete(new Answer(status, location, head + body)));
        response.exceptionHandler(answer::tryFail);
        return answer.future();
    }
}

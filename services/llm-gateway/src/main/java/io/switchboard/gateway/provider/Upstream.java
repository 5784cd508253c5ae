package io.switchboard.gateway.provider;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.http.HttpClientResponse;
import io.vertx.mutiny.core.parsetools.RecordParser;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP side shared by the adapters: one connection pool per deployment, a POST whose response body is read line
 * by line as it arrives, vendor errors turned into {@link ProviderException}s, and the first-byte and idle timeouts.
 * The client never retries by itself: the router owns the one retry loop.
 */
public final class Upstream implements AutoCloseable {
    /** The longest line (an event, or a whole JSON answer) read from a provider. */
    static final int MAX_LINE_BYTES = 8 * 1024 * 1024;
    /** How much of an error's body is read (its start says what went wrong). */
    static final int MAX_ERROR_BYTES = 64 * 1024;
    private final HttpClient client;
    private final URI base;
    private final Duration firstByteTimeout;
    private final Duration idleTimeout;

    public Upstream(Vertx vertx, String baseUrl, Duration connectTimeout, Duration firstByteTimeout,
                    Duration idleTimeout) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        boolean tls = "https".equals(base.getScheme());
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setSsl(tls).setTrustAll(false).setVerifyHost(tls)
                .setConnectTimeout((int) connectTimeout.toMillis())
                .setKeepAlive(true).setMaxPoolSize(256).setPipelining(false)
                .setTryUseCompression(false));
        this.firstByteTimeout = firstByteTimeout;
        this.idleTimeout = idleTimeout;
    }

    /** POSTs {@code json} to {@code path} (relative to the base URL) and streams the response body's lines. */
    public Multi<String> postForLines(String path, Map<String, String> headers, String json) {
        URI target = base.resolve(path);
        int port = target.getPort() != -1 ? target.getPort() : "https".equals(target.getScheme()) ? 443 : 80;
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(target.getHost())
                .setPort(port).setURI(target.getRawPath()).putHeader("Content-Type", "application/json")
                .putHeader("Accept", "text/event-stream, application/x-ndjson, application/json");
        headers.forEach(options::putHeader);
        return client.request(options)
                .flatMap(request -> request.send(Buffer.buffer(json)))
                .ifNoItem().after(firstByteTimeout).failWith(() -> new ProviderException(
                        ProviderException.Kind.TIMEOUT, "no response from " + target.getHost() + " within "
                        + firstByteTimeout))
                .onFailure(e -> !(e instanceof ProviderException)).transform(Upstream::connectionFailure)
                .onItem().transformToMulti(this::lines);
    }

    private Multi<String> lines(HttpClientResponse response) {
        if (response.statusCode() / 100 != 2) {
            return boundedBody(response).onItem().transformToMulti(body -> Multi.createFrom().failure(
                    httpError(response, body)));
        }
        // one line holds one event, or a whole JSON answer; past the limit the call fails, memory stays bounded
        return RecordParser.newDelimited("\n", response).maxRecordSize(MAX_LINE_BYTES).toMulti()
                // a client that goes away closes the upstream call instead of letting it run (and bill) on
                .onCancellation().invoke(() -> {
                    response.exceptionHandler(ignored -> { }); // the reset's own error has no one left to tell
                    response.request().reset();
                })
                .map(line -> {
                    String text = line.toString();
                    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
                })
                .ifNoItem().after(idleTimeout).failWith(() -> new ProviderException(
                        ProviderException.Kind.TIMEOUT, "the stream stalled for more than " + idleTimeout))
                .onFailure(e -> !(e instanceof ProviderException)).transform(e -> new ProviderException(
                        ProviderException.Kind.STREAM_INTERRUPTED, "the stream broke off: " + e.getMessage()));
    }

    /** At most {@link #MAX_ERROR_BYTES} of an error's body: the rest is not read (the connection is reset). */
    private static Uni<String> boundedBody(HttpClientResponse response) {
        return Uni.createFrom().emitter(emitter -> {
            Buffer body = Buffer.buffer();
            boolean[] cut = {false};
            response.exceptionHandler(e -> {
                if (!cut[0]) {
                    emitter.fail(e);
                }
            });
            response.endHandler(() -> emitter.complete(body.toString()));
            response.handler(chunk -> {
                if (cut[0]) {
                    return;
                }
                if (body.length() + chunk.length() > MAX_ERROR_BYTES) {
                    body.appendBuffer(chunk, 0, MAX_ERROR_BYTES - body.length());
                    cut[0] = true;
                    response.request().reset();
                    emitter.complete(body.toString());
                } else {
                    body.appendBuffer(chunk);
                }
            });
        });
    }

    private static ProviderException httpError(HttpClientResponse response, String body) {
        int status = response.statusCode();
        return new ProviderException(ProviderException.kindOf(status, body), status,
                "upstream answered " + status + ": " + abbreviate(body), retryAfter(response));
    }

    /** {@code retry-after-ms}, else {@code Retry-After} in seconds; null when absent or unreadable. */
    static Duration retryAfter(HttpClientResponse response) {
        try {
            String millis = response.getHeader("retry-after-ms");
            if (millis != null) {
                return Duration.ofMillis((long) Double.parseDouble(millis.strip()));
            }
            String seconds = response.getHeader("Retry-After");
            return seconds == null ? null : Duration.ofMillis((long) (Double.parseDouble(seconds.strip()) * 1000));
        } catch (NumberFormatException httpDate) {
            return null;
        }
    }

    private static Throwable connectionFailure(Throwable e) {
        if (e instanceof TimeoutException) {
            return new ProviderException(ProviderException.Kind.TIMEOUT, e.getMessage());
        }
        return new ProviderException(ProviderException.Kind.CONNECTION_FAILED,
                "could not reach the provider: " + e.getMessage());
    }

    private static String abbreviate(String text) {
        return text.length() <= 500 ? text : text.substring(0, 500) + "…";
    }

    /** Closes the pool without waiting (callers may be on an event loop); calls in flight end. */
    @Override
    public void close() {
        client.close().subscribe().with(x -> { }, e -> { });
    }
}

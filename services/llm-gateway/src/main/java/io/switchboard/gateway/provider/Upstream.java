package io.switchboard.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.switchboard.api.SsrfGuard;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.core.http.HttpClientRequest;
import io.vertx.mutiny.core.http.HttpClientResponse;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP side shared by the adapters: connection pools per deployment (one per event loop), a POST whose response body is decoded
 * into events line by line as it arrives, vendor errors turned into {@link ProviderException}s, and the first-byte
 * and idle timeouts.
 * The client never retries by itself: the router owns the one retry loop. A deployment added through the API gets a
 * guard: its host must resolve to public addresses (unless trusted), and the client connects to the address checked,
 * looked up again at most once a minute, so DNS cannot point a stored provider key at an internal service.
 */
public final class Upstream implements AutoCloseable {
    /** The longest line (an event, or a whole JSON answer) read from a provider. */
    static final int MAX_LINE_BYTES = 8 * 1024 * 1024;
    /** How much of an error's body is read (its start says what went wrong). */
    static final int MAX_ERROR_BYTES = 64 * 1024;
    /** The most of a whole JSON answer (embeddings of a large batch) that is read. */
    static final int MAX_JSON_BYTES = 64 * 1024 * 1024;
    /** A whole JSON answer up to this size is read on the event loop (a millisecond or less). */
    private static final int PARSE_ON_LOOP_BYTES = 256 * 1024;
    /** How long a checked address is used before the host is looked up again. */
    static final Duration PIN_TIME = Duration.ofMinutes(1);
    private final HttpClientOptions options;
    /**
     * A client per event loop: a connection does its I/O on the loop that opened it, so a call made on a loop uses
     * that loop's connections and its events need no hand-over between threads (a shared pool hands out connections
     * of any loop). Calls from other threads share one. Each pool holds up to 256 connections.
     */
    private final Map<Thread, HttpClient> clients = new ConcurrentHashMap<>();
    private final HttpClient shared;
    private volatile boolean closed;
    private final io.vertx.core.Vertx vertx;
    private final URI base;
    private final Duration firstByteTimeout;
    private final Duration idleTimeout;
    /** Null when the host need not be checked (configured by the operator). */
    private final SsrfGuard guard;
    private volatile Pinned pinned;

    /** The address last checked, and until when it is used. */
    private record Pinned(SocketAddress address, long untilNanos) {
    }

    public Upstream(Vertx vertx, String baseUrl, Duration connectTimeout, Duration firstByteTimeout,
                    Duration idleTimeout) {
        this(vertx, baseUrl, connectTimeout, firstByteTimeout, idleTimeout, null);
    }

    public Upstream(Vertx vertx, String baseUrl, Duration connectTimeout, Duration firstByteTimeout,
                    Duration idleTimeout, SsrfGuard guard) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        boolean tls = "https".equals(base.getScheme());
        this.guard = guard;
        this.vertx = vertx.getDelegate();
        this.options = new HttpClientOptions()
                .setSsl(tls).setTrustAll(false).setVerifyHost(tls)
                .setConnectTimeout((int) connectTimeout.toMillis())
                .setKeepAlive(true).setMaxPoolSize(256).setPipelining(false)
                .setTryUseCompression(false)
                // the call's own span (chat <model>) stands for the request upstream: an HTTP client span under it
                // repeated it, cost about 5 % of the gateway's CPU and a row in the span store per call, and sent
                // our trace ids to the provider
                .setTracingPolicy(TracingPolicy.IGNORE);
        this.shared = vertx.createHttpClient(options);
        this.firstByteTimeout = firstByteTimeout;
        this.idleTimeout = idleTimeout;
    }

    /**
     * POSTs {@code json} to {@code path} (relative to the base URL) and streams the events {@code decoder} reads from
     * the response body. Subscribe once per decoder.
     */
    public Multi<ProviderEvent> postForEvents(String path, Map<String, String> headers, String json,
                                              LineDecoder decoder) {
        return post(path, headers, json).onItem().transformToMulti(response -> events(response, decoder));
    }

    /**
     * POSTs {@code json} to {@code path} and reads the answer as one JSON document (at most {@link #MAX_JSON_BYTES}):
     * for calls that do not stream, such as embeddings. Failures are classified as for streams.
     */
    public Uni<JsonNode> postForJson(String path, Map<String, String> headers, String json) {
        return post(path, headers, json).flatMap(response -> response.statusCode() / 100 != 2
                ? boundedBody(response, MAX_ERROR_BYTES).flatMap(body -> Uni.createFrom()
                        .<JsonNode>failure(httpError(response, body)))
                : boundedBody(response, MAX_JSON_BYTES).flatMap(body -> {
                    if (body.length() >= MAX_JSON_BYTES) { // cut: asking again would be paid again, and cut again
                        throw new ProviderException(ProviderException.Kind.INVALID_REQUEST, 400, "the answer is"
                                + " larger than " + MAX_JSON_BYTES / (1024 * 1024) + " MiB: ask for less at once",
                                null);
                    }
                    Uni<JsonNode> parsed = Uni.createFrom().item(() -> Json.read(body));
                    // a large answer (a batch of embeddings) is read, and turned into events, off the event loop
                    return body.length() < PARSE_ON_LOOP_BYTES ? parsed
                            : parsed.runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
                }));
    }

    private Uni<HttpClientResponse> post(String path, Map<String, String> headers, String json) {
        URI target = base.resolve(path);
        int port = target.getPort() != -1 ? target.getPort() : "https".equals(target.getScheme()) ? 443 : 80;
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(target.getHost())
                .setPort(port).setURI(target.getRawPath()).putHeader("Content-Type", "application/json")
                .putHeader("Accept", "text/event-stream, application/x-ndjson, application/json");
        headers.forEach(options::putHeader);
        HttpClient client = io.vertx.core.Context.isOnEventLoopThread() && !closed
                ? clients.computeIfAbsent(Thread.currentThread(),
                        loop -> HttpClient.newInstance(vertx.createHttpClient(this.options)))
                : shared;
        Uni<HttpClientRequest> request = guard == null ? client.request(options)
                : server().flatMap(address -> client.request(options.setServer(address)));
        return request.flatMap(sending -> sending.send(Buffer.buffer(json)))
                .ifNoItem().after(firstByteTimeout).failWith(() -> new ProviderException(
                        ProviderException.Kind.TIMEOUT, "no response from " + target.getHost() + " within "
                        + firstByteTimeout))
                .onFailure(e -> !(e instanceof ProviderException)).transform(Upstream::connectionFailure);
    }

    /** The checked address of the base URL's host (DNS is blocking: looked up on a worker thread). */
    private Uni<SocketAddress> server() {
        Pinned known = pinned;
        if (known != null && System.nanoTime() - known.untilNanos() < 0) {
            return Uni.createFrom().item(known.address());
        }
        return Uni.createFrom().item(() -> {
            SsrfGuard.Target target;
            try {
                target = guard.check(base.toString(), List.of());
            } catch (SsrfGuard.Refused e) {
                throw new ProviderException(ProviderException.Kind.CONNECTION_FAILED, e.getMessage());
            }
            SocketAddress address = SocketAddress.inetSocketAddress(target.port(), target.address().getHostAddress());
            pinned = new Pinned(address, System.nanoTime() + PIN_TIME.toNanos());
            return address;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private Multi<ProviderEvent> events(HttpClientResponse response, LineDecoder decoder) {
        if (response.statusCode() / 100 != 2) {
            return boundedBody(response, MAX_ERROR_BYTES).onItem().transformToMulti(body -> Multi.createFrom().failure(
                    httpError(response, body)));
        }
        return Multi.createFrom().emitter(emitter -> new BodyReader(response.getDelegate(), decoder, emitter).start());
    }

    /**
     * Reads one streamed body into events with no stream operator per line or per event: the hot path of every
     * token. One timer per call watches for a stall, no bytes for the idle timeout (re-armed only when it fires, not
     * on every read); a line longer than {@link #MAX_LINE_BYTES} fails the call with memory bounded; the response
     * pauses when the subscriber's demand runs out (a front door asks as its client reads, so a slow client holds
     * the upstream back); a subscriber that goes away resets the call so it stops running (and billing) upstream.
     */
    private final class BodyReader {
        private final io.vertx.core.http.HttpClientResponse response;
        private final LineDecoder decoder;
        private final MultiEmitter<? super ProviderEvent> emitter;
        private final LineSplitter lines = new LineSplitter(MAX_LINE_BYTES);
        private final long idleNanos = idleTimeout.toNanos();
        private volatile boolean done;
        private volatile boolean paused;
        private volatile long lastRead = System.nanoTime();
        private long idleTimer;

        BodyReader(io.vertx.core.http.HttpClientResponse response, LineDecoder decoder,
                   MultiEmitter<? super ProviderEvent> emitter) {
            this.response = response;
            this.decoder = decoder;
            this.emitter = emitter;
        }

        void start() {
            idleTimer = vertx.setTimer(idleTimeout.toMillis(), this::checkIdle);
            emitter.onCancellation(() -> {
                if (!done) {
                    done = true;
                    vertx.cancelTimer(idleTimer);
                    reset();
                }
            });
            emitter.onRequest(n -> {
                if (paused) {
                    lastRead = System.nanoTime(); // the pause was the reader's, not the upstream's
                    paused = false;
                    response.resume();
                }
            });
            response.exceptionHandler(e -> fail(new ProviderException(ProviderException.Kind.STREAM_INTERRUPTED,
                    "the stream broke off: " + e.getMessage()), false));
            response.endHandler(x -> end());
            response.handler(this::read);
        }

        private void read(io.vertx.core.buffer.Buffer chunk) {
            if (done) {
                return;
            }
            lastRead = System.nanoTime();
            try {
                lines.feed(chunk.getBytes(), this::emitLine);
            } catch (RuntimeException e) {
                fail(e, true);
                return;
            }
            if (emitter.requested() <= 0) {
                paused = true;
                response.pause();
                if (emitter.requested() > 0 && paused) { // asked for more in the meantime
                    lastRead = System.nanoTime();
                    paused = false;
                    response.resume();
                }
            }
        }

        private void emitLine(String line) {
            for (ProviderEvent event : decoder.line(line)) {
                emitter.emit(event);
            }
        }

        private void end() {
            if (done) {
                return;
            }
            try {
                String rest = lines.rest();
                if (rest != null) {
                    emitLine(rest);
                }
                for (ProviderEvent event : decoder.end()) {
                    emitter.emit(event);
                }
            } catch (RuntimeException e) {
                fail(e, false);
                return;
            }
            done = true;
            vertx.cancelTimer(idleTimer);
            emitter.complete();
        }

        private void checkIdle(long timer) {
            if (done) {
                return;
            }
            if (paused) { // the caller reads slowly: the upstream is not stalled
                idleTimer = vertx.setTimer(idleTimeout.toMillis(), this::checkIdle);
                return;
            }
            long quiet = System.nanoTime() - lastRead;
            if (quiet < idleNanos) {
                idleTimer = vertx.setTimer(Math.max(1, (idleNanos - quiet) / 1_000_000), this::checkIdle);
                return;
            }
            fail(new ProviderException(ProviderException.Kind.TIMEOUT,
                    "the stream stalled for more than " + idleTimeout), true);
        }

        private void fail(Throwable failure, boolean stopUpstream) {
            if (done) {
                return;
            }
            done = true;
            vertx.cancelTimer(idleTimer);
            if (stopUpstream) {
                reset();
            }
            emitter.fail(failure instanceof ProviderException ? failure : new ProviderException(
                    ProviderException.Kind.STREAM_INTERRUPTED, "the stream broke off: " + failure.getMessage()));
        }

        private void reset() {
            response.exceptionHandler(ignored -> { }); // the reset's own error has no one left to tell
            response.request().reset();
        }
    }

    /** At most {@code max} bytes of a body: the rest is not read (the connection is reset). */
    private static Uni<String> boundedBody(HttpClientResponse response, int max) {
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
                if (body.length() + chunk.length() > max) {
                    body.appendBuffer(chunk, 0, max - body.length());
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
        closed = true; // a call made meanwhile uses the shared client, closed too: it fails and is retried
        shared.close().subscribe().with(x -> { }, e -> { });
        clients.values().forEach(client -> client.close().subscribe().with(x -> { }, e -> { }));
    }
}

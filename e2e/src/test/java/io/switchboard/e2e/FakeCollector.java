package io.switchboard.e2e;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

/**
 * An OpenTelemetry collector stand-in: answers OTLP exports as a collector does, over HTTP ({@code POST /v1/traces},
 * protobuf) on one port and over gRPC ({@code TraceService/Export} on HTTP/2 without TLS) on another, and keeps each
 * request's message with the protocol it came by, so a test can look in the exports for a trace id's 16 bytes and
 * the exporting service's name (both travel as they are in the protobuf).
 */
final class FakeCollector implements AutoCloseable {
    static final String HTTP = "http/protobuf";
    static final String GRPC = "grpc";
    private static final String EXPORT = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    private record Export(String protocol, byte[] message) {
    }

    private final HttpServer http;
    private final Vertx vertx = Vertx.vertx();
    private final List<Export> exports = new CopyOnWriteArrayList<>();

    FakeCollector(int httpPort, int grpcPort) throws Exception {
        http = HttpServer.create(new InetSocketAddress("localhost", httpPort), 0);
        http.createContext("/v1/traces", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                byte[] body = in.readAllBytes();
                if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                    body = gunzip(body);
                }
                exports.add(new Export(HTTP, body));
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, 0); // an empty ExportTraceServiceResponse: all accepted
            exchange.close();
        });
        http.start();
        // an HTTP/2 server that takes cleartext connections opened with the HTTP/2 preface, as gRPC clients open them
        vertx.createHttpServer(new HttpServerOptions().setHost("localhost").setPort(grpcPort)
                        .setHttp2ClearTextEnabled(true))
                .requestHandler(this::grpc).listen().toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }

    /** A gRPC call: length-prefixed messages in, an empty ExportTraceServiceResponse and grpc-status 0 out. */
    private void grpc(HttpServerRequest request) {
        if (!EXPORT.equals(request.path())) {
            request.response().setStatusCode(200).putHeader("content-type", "application/grpc")
                    .putTrailer("grpc-status", "12").end(); // UNIMPLEMENTED
            return;
        }
        boolean gzip = "gzip".equalsIgnoreCase(request.getHeader("grpc-encoding"));
        request.body().onSuccess(body -> {
            byte[] bytes = body.getBytes();
            for (int at = 0; at + 5 <= bytes.length; ) {
                boolean compressed = bytes[at] == 1;
                int length = ((bytes[at + 1] & 0xff) << 24) | ((bytes[at + 2] & 0xff) << 16)
                        | ((bytes[at + 3] & 0xff) << 8) | (bytes[at + 4] & 0xff);
                byte[] message = Arrays.copyOfRange(bytes, at + 5, at + 5 + length);
                exports.add(new Export(GRPC, compressed && gzip ? gunzip(message) : message));
                at += 5 + length;
            }
            request.response().putHeader("content-type", "application/grpc").putTrailer("grpc-status", "0")
                    .end(Buffer.buffer(new byte[5])); // not compressed, length 0
        });
    }

    /** Whether an export from {@code service} carried a span of the trace {@code traceIdHex}. */
    boolean received(String traceIdHex, String service) {
        return received(null, traceIdHex, service);
    }

    /** ... by that protocol ({@link #HTTP} or {@link #GRPC}; null: either). */
    boolean received(String protocol, String traceIdHex, String service) {
        byte[] trace = HexFormat.of().parseHex(traceIdHex);
        byte[] name = service.getBytes(StandardCharsets.UTF_8);
        return exports.stream().anyMatch(e -> (protocol == null || protocol.equals(e.protocol()))
                && indexOf(e.message(), trace) >= 0 && indexOf(e.message(), name) >= 0);
    }

    private static byte[] gunzip(byte[] body) {
        try {
            return new GZIPInputStream(new ByteArrayInputStream(body)).readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int indexOf(byte[] body, byte[] part) {
        for (int i = 0; i + part.length <= body.length; i++) {
            if (Arrays.equals(body, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        http.stop(0);
        vertx.close();
    }
}

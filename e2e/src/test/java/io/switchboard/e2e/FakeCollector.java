package io.switchboard.e2e;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * An OpenTelemetry collector stand-in: answers OTLP/HTTP exports ({@code POST /v1/traces}, protobuf) as a collector
 * does and keeps each request's body, so a test can look in the exports for a trace id's 16 bytes and the exporting
 * service's name (both travel as they are in the protobuf).
 */
final class FakeCollector implements AutoCloseable {
    private final HttpServer server;
    private final List<byte[]> exports = new CopyOnWriteArrayList<>();

    FakeCollector(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("localhost", port), 0);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                byte[] body = in.readAllBytes();
                if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                    body = new GZIPInputStream(new ByteArrayInputStream(body)).readAllBytes();
                }
                exports.add(body);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, 0); // an empty ExportTraceServiceResponse: all accepted
            exchange.close();
        });
        server.start();
    }

    /** Whether an export from {@code service} carried a span of the trace {@code traceIdHex}. */
    boolean received(String traceIdHex, String service) {
        byte[] trace = HexFormat.of().parseHex(traceIdHex);
        byte[] name = service.getBytes(StandardCharsets.UTF_8);
        return exports.stream().anyMatch(body -> indexOf(body, trace) >= 0 && indexOf(body, name) >= 0);
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
        server.stop(0);
    }
}

package io.switchboard.gateway.frontdoor;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;

/**
 * The trace a front-door call's span joins: the caller's, from its request's headers, read by the configured
 * propagators ({@code quarkus.otel.propagators}: W3C {@code traceparent} and baggage by default); the root context
 * without them. The gateway makes no HTTP server span (about a seventh of a streamed call's CPU, and the call's own
 * span stands for the request); with {@code QUARKUS_OTEL_INSTRUMENT_VERTX_HTTP=true} it does, and the call's span is
 * that span's child.
 */
@Singleton
public class FrontDoorTraces {
    private static final TextMapGetter<HttpServerRequest> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpServerRequest request) {
            return request.headers().names();
        }

        @Override
        public String get(HttpServerRequest request, String key) {
            return request == null ? null : request.getHeader(key);
        }
    };

    private final TextMapPropagator propagator;

    public FrontDoorTraces(OpenTelemetry telemetry) {
        this.propagator = telemetry.getPropagators().getTextMapPropagator();
    }

    Context of(RoutingContext ctx) {
        Context current = Context.current();
        if (Span.fromContext(current).getSpanContext().isValid()) {
            return current;
        }
        return propagator.extract(Context.root(), ctx.request(), HEADERS);
    }
}

package io.switchboard.traces;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * One trace per session: its id is the session's id (both are 128 bits), and the session itself stands as the remote
 * parent of its turns' spans (a span id taken from the session id's lower half). Every turn of a session, its model
 * calls in llm-gateway and its tool calls are then one trace, in the span store and in any OTLP back end, and a
 * session's spans are one range of the store's primary key.
 */
public final class SessionTraces {
    private SessionTraces() {
    }

    /** The trace id of the session's spans: its id's 32 hex digits. */
    public static String traceId(UUID session) {
        return String.format("%016x%016x", session.getMostSignificantBits(), session.getLeastSignificantBits());
    }

    /** The context a turn of {@code session} starts its span in. */
    public static Context of(UUID session) {
        long low = session.getLeastSignificantBits();
        SpanContext parent = SpanContext.createFromRemoteParent(traceId(session),
                String.format("%016x", low == 0 ? 1 : low), TraceFlags.getSampled(), TraceState.getDefault());
        return Context.root().with(Span.wrap(parent));
    }

    /** The W3C {@code traceparent} of {@code context}'s span (to travel in a record), or null when it has none. */
    public static String traceparent(Context context) {
        Map<String, String> carrier = new HashMap<>(2);
        W3CTraceContextPropagator.getInstance().inject(context, carrier, Map::put);
        return carrier.get("traceparent");
    }

    /** The context a W3C {@code traceparent} names; the root context when it is absent or malformed. */
    public static Context fromTraceparent(String traceparent) {
        if (traceparent == null) {
            return Context.root();
        }
        return W3CTraceContextPropagator.getInstance().extract(Context.root(), traceparent, ONE_HEADER);
    }

    private static final TextMapGetter<String> ONE_HEADER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return java.util.List.of("traceparent");
        }

        @Override
        public String get(String carrier, String key) {
            return "traceparent".equals(key) ? carrier : null;
        }
    };
}

package io.switchboard.traces;

import io.opentelemetry.api.trace.SpanContext;
import java.util.UUID;
import org.jboss.logging.MDC;

/**
 * Log lines about a session's turn carry its ids in the MDC, which JSON logs ({@code SWITCHBOARD_JSON_LOGS=true})
 * print as fields: {@code traceId} (the session's trace, see {@link SessionTraces}), {@code sessionId} and
 * {@code turnId}, so a line leads to the trace and the trace to its lines. A line about work with a span of its own
 * (a call through the gateway's front doors) carries that span's {@code traceId} and {@code spanId} instead
 * ({@link #log(io.opentelemetry.api.trace.SpanContext, Runnable)}). Set around the line only: a reactive pipeline's
 * thread serves many sessions.
 */
public final class SessionLogs {
    private SessionLogs() {
    }

    /** Runs {@code line} (a log statement) with the session's and turn's ids; either may be null. */
    public static void log(String sessionId, String turnId, Runnable line) {
        UUID session = uuidOrNull(sessionId);
        Object traceBefore = session == null ? null : MDC.put("traceId", SessionTraces.traceId(session));
        Object sessionBefore = sessionId == null ? null : MDC.put("sessionId", sessionId);
        Object turnBefore = turnId == null ? null : MDC.put("turnId", turnId);
        try {
            line.run();
        } finally { // as the thread had them
            if (session != null) {
                restore("traceId", traceBefore);
            }
            if (sessionId != null) {
                restore("sessionId", sessionBefore);
            }
            if (turnId != null) {
                restore("turnId", turnBefore);
            }
        }
    }

    /**
     * Runs {@code line} (a log statement) with the ids of {@code span} ({@code traceId}, {@code spanId}), as Quarkus
     * gives a request's lines those of its HTTP server span; for work that has no such span (an invalid one adds none).
     */
    public static void log(SpanContext span, Runnable line) {
        if (span == null || !span.isValid()) {
            line.run();
            return;
        }
        Object traceBefore = MDC.put("traceId", span.getTraceId());
        Object spanBefore = MDC.put("spanId", span.getSpanId());
        try {
            line.run();
        } finally {
            restore("traceId", traceBefore);
            restore("spanId", spanBefore);
        }
    }

    private static void restore(String key, Object before) {
        if (before == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, before);
        }
    }

    private static UUID uuidOrNull(String id) {
        try {
            return id == null ? null : UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

package io.switchboard.runtime.repository;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.switchboard.traces.SessionTraces;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Reads a session's spans from the span store ({@code traces.spans}, written by libs/traces' {@code SpanStore}). */
@ApplicationScoped
public class SpanRepository {
    /** The most spans a session's trace answers with (a long session's oldest are left out). */
    public static final int MAX_SPANS = 5000;
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    /**
     * One span; {@code attributes} as recorded (OTel GenAI names). {@code endedAt} is null only for a turn drawn from
     * the journal (see {@code TraceTree.withUnendedTurns}).
     */
    public record StoredSpan(String spanId, String parentSpanId, String service, String operation, String name,
                             Instant startedAt, Instant endedAt, String status, String errorType,
                             Map<String, Object> attributes) {
    }

    private final Pool pool;
    private final ObjectMapper json;

    public SpanRepository(Pool pool, ObjectMapper json) {
        this.pool = pool;
        this.json = json;
    }

    /**
     * The spans of the session's trace written for its organization (or for none, when they are this session's), the
     * newest {@link #MAX_SPANS}, oldest first.
     */
    public Uni<List<StoredSpan>> ofSession(UUID orgId, UUID sessionId) {
        return pool.preparedQuery("select * from (select span_id, parent_span_id, service, operation, name,"
                        + " started_at, ended_at, status, error_type, attributes::text as attributes from traces.spans"
                        + " where trace_id = $1 and (org_id = $2 or org_id is null and session_id = $4)"
                        + " order by started_at desc limit $3)"
                        + " newest order by started_at, span_id")
                .execute(Tuple.of(SessionTraces.traceId(sessionId), orgId, MAX_SPANS, sessionId)).map(rows -> {
                    List<StoredSpan> spans = new ArrayList<>(rows.rowCount());
                    for (Row row : rows) {
                        spans.add(new StoredSpan(row.getString("span_id"), row.getString("parent_span_id"),
                                row.getString("service"), row.getString("operation"), row.getString("name"),
                                instant(row.getOffsetDateTime("started_at")),
                                instant(row.getOffsetDateTime("ended_at")), row.getString("status"),
                                row.getString("error_type"), attributes(row.getString("attributes"))));
                    }
                    return spans;
                });
    }

    private Map<String, Object> attributes(String text) {
        try {
            return json.readValue(text, MAP);
        } catch (Exception e) {
            return new LinkedHashMap<>();
        }
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}

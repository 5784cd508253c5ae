package io.switchboard.traces;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Writes the spans of agents' work to PostgreSQL ({@code traces.spans}), off the hot path: a span that ends (one with
 * a {@code gen_ai.operation.name}: a turn, a model call, a tool call; not HTTP or database spans) is put in a bounded
 * buffer, and a timer, armed by the first span to come into an empty store (no timer runs while there is nothing to
 * write), writes what is there in batches, one statement each. A full buffer drops the span and counts it
 * ({@code switchboard.spans.dropped}): a turn never waits for its spans. A span is written once, when it ends (a turn
 * under way is known from the journal). A batch that cannot be written (PostgreSQL away) is tried again while new spans
 * wait in the buffer.
 */
@ApplicationScoped
public class SpanStore implements SpanProcessor {
    private static final Logger LOG = Logger.getLogger(SpanStore.class);
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> SESSION = AttributeKey.stringKey("gen_ai.conversation.id");
    static final AttributeKey<String> ORG = AttributeKey.stringKey("switchboard.org.id");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    private static final JsonFactory JSON_FACTORY = new JsonFactory();

    private final boolean enabled;
    private final BlockingQueue<SpanData> buffer;
    private final int batchSize;
    private final String service;
    private final Pool pool;
    private final Counter dropped;
    private final Counter stored;
    private final AtomicBoolean writing = new AtomicBoolean();
    /** The batch being written, or one whose write failed (written again first). */
    private volatile List<SpanData> batch = List.of();
    private final long every;
    /** A write is due: the timer is armed, and a span that comes arms no other. */
    private final AtomicBoolean due = new AtomicBoolean();
    private volatile boolean closed;
    private final Vertx vertx;
    private volatile long lastFailureLog;
    /** Attempts of the batch being written that failed; no write before {@code retryAt}. */
    private volatile int failures;
    private volatile long retryAt;
    private static final int MAX_ATTEMPTS = 8;

    public SpanStore(@ConfigProperty(name = "switchboard.spans.enabled", defaultValue = "true") boolean enabled,
                     @ConfigProperty(name = "switchboard.spans.buffer", defaultValue = "20000") int capacity,
                     @ConfigProperty(name = "switchboard.spans.batch", defaultValue = "500") int batchSize,
                     @ConfigProperty(name = "switchboard.spans.flush-interval", defaultValue = "200ms") Duration every,
                     @ConfigProperty(name = "quarkus.application.name") String service,
                     Pool pool, MeterRegistry meters, Vertx vertx) {
        this.enabled = enabled;
        this.buffer = new ArrayBlockingQueue<>(Math.max(1, capacity));
        this.batchSize = Math.max(1, batchSize);
        this.service = service;
        this.pool = pool;
        this.vertx = vertx;
        this.dropped = Counter.builder("switchboard.spans.dropped")
                .description("Spans not stored: the buffer was full, or PostgreSQL refused their batch")
                .register(meters);
        this.stored = Counter.builder("switchboard.spans.stored").description("Span rows written to traces.spans")
                .register(meters);
        meters.gauge("switchboard.spans.buffered", buffer, BlockingQueue::size);
        this.every = Math.max(10, every.toMillis());
    }

    void stop(@Observes ShutdownEvent shutdown) {
        close();
    }

    /** Stops writing (what is buffered stays unwritten). */
    public void close() {
        closed = true;
    }

    @Override
    public void onStart(Context parent, ReadWriteSpan span) {
    }

    @Override
    public boolean isStartRequired() {
        return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        if (span.getAttribute(OPERATION) != null) {
            keep(span.toSpanData());
        }
    }

    @Override
    public boolean isEndRequired() {
        return enabled;
    }

    private void keep(SpanData span) {
        if (!buffer.offer(span)) {
            dropped.increment();
        }
        writeSoon();
    }

    /**
     * Arms the timer unless it is armed. It arms itself again while spans wait or a write is under way, and a write
     * that ends (written, failed, given up) with spans left arms it too.
     */
    private void writeSoon() {
        if (closed || due.get() || !due.compareAndSet(false, true)) {
            return;
        }
        try {
            vertx.setTimer(every, id -> {
                due.set(false);
                if (closed) {
                    return;
                }
                write();
                if (!batch.isEmpty() || !buffer.isEmpty()) {
                    writeSoon();
                }
            });
        } catch (RuntimeException e) { // Vert.x closing: nothing more is written, as after close()
            due.set(false);
            LOG.debugf("span store timer not armed: %s", e.getMessage());
        }
    }

    /**
     * Writes what the buffer holds, a batch at a time; one write at a time. A batch that fails is tried again, later
     * each time (up to 30 s apart), and given up (counted as dropped) after {@link #MAX_ATTEMPTS}: a batch PostgreSQL
     * refuses for what it holds must not stop the store.
     */
    private void write() {
        if ((batch.isEmpty() && buffer.isEmpty()) || System.currentTimeMillis() < retryAt
                || !writing.compareAndSet(false, true)) {
            return;
        }
        List<SpanData> rows;
        Tuple values;
        try {
            if (batch.isEmpty()) {
                List<SpanData> next = new ArrayList<>(Math.min(batchSize, buffer.size()));
                buffer.drainTo(next, batchSize);
                batch = next;
                failures = 0;
            }
            rows = batch;
            values = tuple(rows);
        } catch (RuntimeException e) {
            giveUp(batch, e);
            return;
        }
        pool.preparedQuery(INSERT).execute(values).subscribe().with(done -> {
            stored.increment(rows.size());
            batch = List.of();
            writing.set(false);
            if (buffer.size() >= batchSize) {
                write();
            } else if (!buffer.isEmpty()) {
                writeSoon();
            }
        }, failure -> {
            if (++failures >= MAX_ATTEMPTS) {
                giveUp(rows, failure);
                return;
            }
            retryAt = System.currentTimeMillis() + Math.min(30_000, 250L << failures);
            writing.set(false);
            writeSoon();
            long now = System.currentTimeMillis();
            if (now - lastFailureLog > 60_000) {
                lastFailureLog = now;
                LOG.warnf("could not write %d spans (trying again; %d waiting): %s", rows.size(), buffer.size(),
                        failure.getMessage());
            }
        });
    }

    private void giveUp(List<SpanData> rows, Throwable why) {
        dropped.increment(rows.size());
        LOG.warnf("dropped %d spans that could not be written: %s", rows.size(), why.getMessage());
        batch = List.of();
        failures = 0;
        writing.set(false);
        if (!buffer.isEmpty()) {
            writeSoon();
        }
    }

    /** A batch written again after its first write's answer was lost is not written twice. */
    private static final String INSERT = "insert into traces.spans (trace_id, span_id, parent_span_id, org_id,"
            + " session_id, service, operation, name, started_at, ended_at, status, error_type, attributes)"
            + " select t, s, p, o, se, $6, op, n, st, en, stt, e, a::jsonb from unnest($1::text[], $2::text[],"
            + " $3::text[], $4::uuid[], $5::uuid[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[],"
            + " $11::text[], $12::text[], $13::text[]) as x(t, s, p, o, se, op, n, st, en, stt, e, a)"
            + " on conflict (trace_id, span_id) do nothing";

    private Tuple tuple(List<SpanData> rows) {
        int n = rows.size();
        String[] traces = new String[n];
        String[] spans = new String[n];
        String[] parents = new String[n];
        UUID[] orgs = new UUID[n];
        UUID[] sessions = new UUID[n];
        String[] operations = new String[n];
        String[] names = new String[n];
        OffsetDateTime[] starts = new OffsetDateTime[n];
        OffsetDateTime[] ends = new OffsetDateTime[n];
        String[] statuses = new String[n];
        String[] errors = new String[n];
        String[] attributes = new String[n];
        int i = 0;
        for (SpanData span : rows) {
            traces[i] = span.getTraceId();
            spans[i] = span.getSpanId();
            parents[i] = span.getParentSpanContext().isValid() ? span.getParentSpanId() : null;
            orgs[i] = uuid(span.getAttributes().get(ORG));
            sessions[i] = uuid(span.getAttributes().get(SESSION));
            operations[i] = span.getAttributes().get(OPERATION);
            names[i] = span.getName().replace("\u0000", "");
            starts[i] = time(span.getStartEpochNanos());
            ends[i] = time(span.getEndEpochNanos());
            statuses[i] = span.getStatus().getStatusCode() == StatusCode.ERROR ? "error" : "ok";
            errors[i] = text(span.getAttributes().get(ERROR_TYPE));
            attributes[i] = json(span);
            i++;
        }
        return Tuple.tuple(List.of(traces, spans, parents, orgs, sessions, service, operations, names, starts, ends,
                statuses, errors, attributes));
    }

    /** The span's attributes as a JSON object (lists as arrays); without NUL characters, which jsonb refuses. */
    static String json(SpanData span) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator json = JSON_FACTORY.createGenerator(out)) {
            json.writeStartObject();
            for (Map.Entry<AttributeKey<?>, Object> attribute : span.getAttributes().asMap().entrySet()) {
                json.writeFieldName(attribute.getKey().getKey());
                value(json, attribute.getValue());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void value(JsonGenerator json, Object value) throws IOException {
        if (value instanceof String string) {
            json.writeString(text(string));
        } else if (value instanceof Boolean bool) {
            json.writeBoolean(bool);
        } else if (value instanceof Long number) {
            json.writeNumber(number);
        } else if (value instanceof Double number) {
            json.writeNumber(number);
        } else if (value instanceof List<?> list) {
            json.writeStartArray();
            for (Object item : list) {
                value(json, item);
            }
            json.writeEndArray();
        } else {
            json.writeString(String.valueOf(value));
        }
    }

    private static String text(String value) {
        return value == null ? null : value.replace("\u0000", "");
    }

    private static UUID uuid(String value) {
        if (value == null) {
            return null;
        }
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static OffsetDateTime time(long epochNanos) {
        return Instant.ofEpochSecond(0, epochNanos).atOffset(ZoneOffset.UTC);
    }
}

package io.switchboard.gateway.usage;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.jboss.logging.Logger;

/**
 * Writes call records in batches, off the streaming path: a stream only enqueues its record, and a scheduled flush
 * inserts whatever is queued in one round trip.
 */
@ApplicationScoped
public class CallRecorder {
    private static final Logger LOG = Logger.getLogger(CallRecorder.class);
    private static final int MAX_BATCH = 1000;
    private static final String INSERT = "insert into gateway.llm_calls (request_id, session_id, turn_id, model,"
            + " deployment, provider, attempts, status, input_tokens, output_tokens, cached_input_tokens, latency_ms,"
            + " ttft_ms, started_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

    private final Queue<CallRecord> pending = new ConcurrentLinkedQueue<>();
    private final Pool pool;

    public CallRecorder(Pool pool) {
        this.pool = pool;
    }

    public void record(CallRecord call) {
        pending.add(call);
    }

    @Scheduled(every = "${gateway.calls.flush-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> flush() {
        List<Tuple> batch = new ArrayList<>();
        CallRecord call;
        while (batch.size() < MAX_BATCH && (call = pending.poll()) != null) {
            batch.add(Tuple.from(new Object[] {call.requestId(), call.sessionId(), call.turnId(), call.model(),
                    call.deployment(), call.provider(), call.attempts(), call.status(), call.inputTokens(),
                    call.outputTokens(), call.cachedInputTokens(), call.latencyMs(), call.ttftMs(),
                    call.startedAt().atOffset(ZoneOffset.UTC)}));
        }
        if (batch.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery(INSERT).executeBatch(batch).replaceWithVoid()
                .onFailure().invoke(e -> LOG.errorf(e, "could not record %d LLM calls", batch.size()));
    }

    void flushOnShutdown(@Observes ShutdownEvent event) {
        while (!pending.isEmpty()) {
            flush().await().atMost(Duration.ofSeconds(5));
        }
    }

    /** The most recent calls, newest first. */
    public Uni<List<CallRecord>> recent(int limit) {
        return pool.preparedQuery("select * from gateway.llm_calls order by id desc limit $1")
                .execute(Tuple.of(limit))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .map(CallRecorder::toRecord)
                .collect().asList();
    }

    private static CallRecord toRecord(Row row) {
        return new CallRecord(row.getString("request_id"), row.getString("session_id"), row.getString("turn_id"),
                row.getString("model"), row.getString("deployment"), row.getString("provider"),
                row.getInteger("attempts"), row.getString("status"), row.getInteger("input_tokens"),
                row.getInteger("output_tokens"), row.getInteger("cached_input_tokens"), row.getInteger("latency_ms"),
                row.getInteger("ttft_ms"), row.getOffsetDateTime("started_at").toInstant());
    }
}

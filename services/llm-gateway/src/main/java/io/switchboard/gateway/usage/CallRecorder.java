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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Writes call records in batches, off the streaming path: a stream only enqueues its record, and a scheduled flush
 * inserts what is queued, a thousand rows per round trip. If the database falls behind by more than
 * {@link #MAX_QUEUED} records, new ones are counted and dropped rather than filling the heap.
 */
@ApplicationScoped
public class CallRecorder {
    private static final Logger LOG = Logger.getLogger(CallRecorder.class);
    private static final int MAX_BATCH = 1000;
    static final int MAX_QUEUED = 200_000;
    private static final String INSERT = "insert into gateway.llm_calls (request_id, session_id, turn_id, model,"
            + " deployment, provider, attempts, status, input_tokens, output_tokens, cached_input_tokens, latency_ms,"
            + " ttft_ms, started_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

    private final Queue<CallRecord> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final Pool pool;

    public CallRecorder(Pool pool) {
        this.pool = pool;
    }

    public void record(CallRecord call) {
        if (queued.incrementAndGet() > MAX_QUEUED) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        pending.add(call);
    }

    @Scheduled(every = "${gateway.calls.flush-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> flush() {
        long lost = dropped.getAndSet(0);
        if (lost > 0) {
            LOG.warnf("dropped %d LLM call records: the database is not keeping up", lost);
        }
        return Multi.createBy().repeating().uni(this::flushBatch).whilst(written -> written == MAX_BATCH)
                .collect().last().replaceWithVoid();
    }

    /** Inserts up to one batch; gives the number of rows written. */
    private Uni<Integer> flushBatch() {
        List<Tuple> batch = new ArrayList<>();
        CallRecord call;
        while (batch.size() < MAX_BATCH && (call = pending.poll()) != null) {
            queued.decrementAndGet();
            batch.add(Tuple.from(new Object[] {call.requestId(), call.sessionId(), call.turnId(), call.model(),
                    call.deployment(), call.provider(), call.attempts(), call.status(), call.inputTokens(),
                    call.outputTokens(), call.cachedInputTokens(), call.latencyMs(), call.ttftMs(),
                    call.startedAt().atOffset(ZoneOffset.UTC)}));
        }
        if (batch.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return pool.preparedQuery(INSERT).executeBatch(batch).replaceWith(batch.size())
                .onFailure().recoverWithItem(e -> {
                    LOG.errorf(e, "could not record %d LLM calls", batch.size());
                    return 0;
                });
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

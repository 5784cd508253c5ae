package io.switchboard.gateway.usage;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.config.GatewayConfig;
import io.switchboard.gateway.cost.PriceTable;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
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
    private static final AttributeKey<List<String>> FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    static final int MAX_QUEUED = 200_000;
    private static final String INSERT = "insert into gateway.llm_calls (request_id, session_id, turn_id, agent_id,"
            + " model, deployment, upstream_model, provider, attempts, status, input_tokens, output_tokens,"
            + " cached_input_tokens, cost_usd, latency_ms, ttft_ms, started_at, api_key_id, org_id)"
            + " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)";
    private static final String SPEND = "update gateway.api_keys set spent_usd = spent_usd + $2 where id = $1";

    private final Queue<CallRecord> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final Pool pool;
    private final PriceTable prices;
    private final Tracer tracer;
    private final boolean captureContent;

    @jakarta.inject.Inject
    public CallRecorder(Pool pool, GatewayConfig config, Tracer tracer) {
        this(pool, prices(config), config.tracing().captureContent(), tracer);
    }

    CallRecorder(Pool pool, PriceTable prices, boolean captureContent, Tracer tracer) {
        this.pool = pool;
        this.prices = prices;
        this.captureContent = captureContent;
        this.tracer = tracer;
    }

    private static PriceTable prices(GatewayConfig config) {
        Map<String, PriceTable.Price> table = new HashMap<>();
        config.prices().forEach((model, p) -> table.put(model,
                new PriceTable.Price(p.input(), p.output(), p.cachedInput().orElse(p.input()))));
        return new PriceTable(table);
    }

    /**
     * Starts metering a call, with its span ({@code chat <model>}, OpenTelemetry GenAI conventions) as a child of
     * {@code parent}: the Kafka record's or the HTTP request's trace.
     */
    public CallMeter start(LlmRequest request, Context parent) {
        SpanBuilder span = tracer.spanBuilder("chat " + request.model()).setSpanKind(SpanKind.CLIENT)
                .setParent(parent).setAttribute("gen_ai.operation.name", "chat")
                .setAttribute("gen_ai.request.model", request.model());
        if (request.sessionId() != null) {
            span.setAttribute("gen_ai.conversation.id", request.sessionId());
        }
        if (request.agentId() != null) {
            span.setAttribute("gen_ai.agent.id", request.agentId());
        }
        if (captureContent) {
            String system = SpanContent.systemInstructions(request.messages());
            if (system != null) {
                span.setAttribute("gen_ai.system_instructions", system);
            }
            span.setAttribute("gen_ai.input.messages", SpanContent.inputMessages(request.messages()));
        }
        return new CallMeter(request, span.startSpan(), captureContent);
    }

    /** Prices the finished call, ends its span and queues it for the next batch insert. */
    public void record(CallMeter meter) {
        CallRecord call = meter.finish(prices);
        String output = meter.outputMessages();
        if (output != null) {
            meter.span().setAttribute("gen_ai.output.messages", output);
        }
        endSpan(meter.span(), call, meter.finishReason());
        record(call);
    }

    private static void endSpan(Span span, CallRecord call, String finishReason) {
        span.setAttribute("gen_ai.provider.name", providerName(call.provider()));
        if (call.upstreamModel() != null) {
            span.setAttribute("gen_ai.response.model", call.upstreamModel());
        }
        span.setAttribute("gen_ai.usage.input_tokens", call.inputTokens());
        span.setAttribute("gen_ai.usage.output_tokens", call.outputTokens());
        span.setAttribute("gen_ai.usage.cache_read.input_tokens", call.cachedInputTokens());
        if (finishReason != null) {
            span.setAttribute(FINISH_REASONS, List.of(finishReason));
        }
        if (call.ttftMs() != null) {
            span.setAttribute("gen_ai.response.time_to_first_chunk", call.ttftMs() / 1000.0);
        }
        if (call.deployment() != null) {
            span.setAttribute("switchboard.deployment", call.deployment());
        }
        span.setAttribute("switchboard.attempts", call.attempts());
        span.setAttribute("switchboard.cost_usd", call.costUsd().doubleValue());
        if (!"ok".equals(call.status())) {
            span.setAttribute("error.type", call.status());
            span.setStatus(StatusCode.ERROR, call.status());
        }
        span.end();
    }

    /** {@code gen_ai.provider.name}: the well-known names, else ours. */
    private static String providerName(String provider) {
        switch (provider) {
            case "openai":
            case "anthropic":
                return provider;
            case "sim":
                return "switchboard.sim";
            default:
                return provider; // ollama, openai-compatible: no well-known value
        }
    }

    void record(CallRecord call) {
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
        Map<UUID, BigDecimal> spend = new HashMap<>();
        CallRecord call;
        while (batch.size() < MAX_BATCH && (call = pending.poll()) != null) {
            queued.decrementAndGet();
            batch.add(Tuple.from(new Object[] {call.requestId(), call.sessionId(), call.turnId(), call.agentId(),
                    call.model(), call.deployment(), call.upstreamModel(), call.provider(), call.attempts(),
                    call.status(), call.inputTokens(), call.outputTokens(), call.cachedInputTokens(), call.costUsd(),
                    call.latencyMs(), call.ttftMs(), call.startedAt().atOffset(ZoneOffset.UTC), call.apiKeyId(),
                    call.orgId()}));
            if (call.apiKeyId() != null) {
                spend.merge(call.apiKeyId(), call.costUsd(), BigDecimal::add);
            }
        }
        if (batch.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<Tuple> spent = spend.entrySet().stream().map(e -> Tuple.of(e.getKey(), e.getValue())).toList();
        // the calls and what they cost their keys are written together: spend is counted exactly once
        return pool.withTransaction(tx -> tx.preparedQuery(INSERT).executeBatch(batch)
                        .flatMap(x -> spent.isEmpty() ? Uni.createFrom().voidItem()
                                : tx.preparedQuery(SPEND).executeBatch(spent).replaceWithVoid()))
                .replaceWith(batch.size())
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

    /** The organization's most recent calls, newest first. */
    public Uni<List<CallRecord>> recent(UUID orgId, int limit) {
        return pool.preparedQuery("select * from gateway.llm_calls where org_id = $2 order by id desc limit $1")
                .execute(Tuple.of(limit, orgId))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .map(CallRecorder::toRecord)
                .collect().asList();
    }

    /** One group of the usage report. */
    public record UsageRow(String key, long calls, long errors, long inputTokens, long outputTokens,
                           long cachedInputTokens, BigDecimal costUsd, Double p50LatencyMs, Double p50TtftMs) {
    }

    /** How calls can be grouped, and the SQL expression of each (a fixed list: never text from a request). */
    public static final Map<String, String> GROUPINGS = Map.of(
            "day", "to_char(started_at at time zone 'UTC', 'YYYY-MM-DD')",
            "model", "model",
            "deployment", "coalesce(deployment, '(none)')",
            "agent", "coalesce(agent_id, '(none)')",
            "session", "coalesce(session_id, '(none)')",
            "key", "coalesce((select k.name || ' (' || k.key_prefix || ')' from gateway.api_keys k where k.id = api_key_id),"
                    + " '(none)')");

    /** The organization's calls started in [from, to), grouped by {@code by} (a key of {@link #GROUPINGS}). */
    public Uni<List<UsageRow>> usage(UUID orgId, String by, Instant from, Instant to) {
        String key = GROUPINGS.get(by);
        String sql = "select " + key + " as key, count(*) as calls, count(*) filter (where status <> 'ok') as errors,"
                + " sum(input_tokens) as input, sum(output_tokens) as output, sum(cached_input_tokens) as cached,"
                + " sum(cost_usd) as cost, percentile_cont(0.5) within group (order by latency_ms) as latency,"
                + " percentile_cont(0.5) within group (order by ttft_ms) as ttft"
                + " from gateway.llm_calls where org_id = $3 and started_at >= $1 and started_at < $2"
                + " group by 1 order by 1";
        return pool.preparedQuery(sql).execute(Tuple.of(from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC),
                        orgId))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .map(r -> new UsageRow(r.getString("key"), r.getLong("calls"), r.getLong("errors"), r.getLong("input"),
                        r.getLong("output"), r.getLong("cached"), r.getBigDecimal("cost"), r.getDouble("latency"),
                        r.getDouble("ttft")))
                .collect().asList();
    }

    private static CallRecord toRecord(Row row) {
        return new CallRecord(row.getString("request_id"), row.getString("session_id"), row.getString("turn_id"),
                row.getString("agent_id"), row.getString("model"), row.getString("deployment"),
                row.getString("upstream_model"), row.getString("provider"), row.getInteger("attempts"),
                row.getString("status"), row.getInteger("input_tokens"), row.getInteger("output_tokens"),
                row.getInteger("cached_input_tokens"), row.getBigDecimal("cost_usd"), row.getInteger("latency_ms"),
                row.getInteger("ttft_ms"), row.getOffsetDateTime("started_at").toInstant(),
                row.getUUID("api_key_id"), row.getUUID("org_id"));
    }
}

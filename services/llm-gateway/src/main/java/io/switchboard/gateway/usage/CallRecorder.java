package io.switchboard.gateway.usage;

import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.config.GatewayConfig;
import io.switchboard.gateway.cost.PriceTable;
import io.switchboard.gateway.provider.ProviderException;
import io.switchboard.gateway.routing.Deployment;
import io.switchboard.gateway.routing.Deployments;
import io.switchboard.gateway.routing.RouteTable;
import io.switchboard.gateway.routing.Router;
import io.switchboard.traces.ContentCapture;
import io.switchboard.traces.SessionLogs;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * The ledger of LLM calls ({@code gateway.llm_calls}). Every call is opened: its row is written as {@code running},
 * and a call whose row cannot be written is refused. A call with a budget to respect (its key's, its organization's monthly one) is opened
 * by {@code gateway.open_call} before it goes upstream, one statement that reserves the most it may cost on both and
 * refuses it if either would be exceeded, so budgets hold across replicas and with calls in flight; the others are
 * opened together in batches (group commit), and may go upstream while their row is written
 * ({@link #mayOpenAlongside}) as long as the ledger takes rows. When the call ends, its outcome is queued and a scheduled flush
 * settles it (tokens, cost, latency; the reservation becomes spending; only a row still running), off the
 * streaming path, a batch per transaction with one update per organization and key. A settle that fails is tried
 * again; the calls of a replica that died, or whose settles could not be kept, are settled by the sweep as
 * {@code interrupted}, charged what they reserved.
 */
@ApplicationScoped
public class CallRecorder {
    private static final Logger LOG = Logger.getLogger(CallRecorder.class);
    private static final int MAX_BATCH = 1000;
    private static final int MAX_SETTLE_ATTEMPTS = 5;
    /** The output a reservation assumes when a deployment sets no limit. */
    static final int DEFAULT_MAX_OUTPUT_TOKENS = 4096;
    private static final AttributeKey<List<String>> FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    private static final AttributeKey<List<String>> DEPLOYMENTS_TRIED =
            AttributeKey.stringArrayKey("switchboard.deployments_tried");
    static final int MAX_QUEUED = 200_000;
    private static final String OPEN = "select gateway.open_call($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    /** Opens a batch of calls that reserve nothing: their rows' ids, in the batch's order. */
    private static final String OPEN_BATCH = "with w as (select nextval('gateway.llm_calls_id_seq') as id, u.*"
            + " from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::uuid[],"
            + " $8::timestamptz[]) with ordinality as u(request_id, session_id, turn_id, agent_id, model, api_key_id,"
            + " org_id, started_at, n)),"
            + " ins as (insert into gateway.llm_calls (id, request_id, session_id, turn_id, agent_id, model, provider,"
            + " status, input_tokens, output_tokens, started_at, api_key_id, org_id) select id, request_id, session_id,"
            + " turn_id, agent_id, model, 'none', 'running', 0, 0, started_at, api_key_id, org_id from w)"
            + " select id from w order by n";
    /** The outcomes of a batch of calls, where they are still running; gives what each had reserved. */
    private static final String SETTLE = "update gateway.llm_calls c set status = s.status, deployment = s.deployment,"
            + " upstream_model = s.upstream_model, provider = s.provider, attempts = s.attempts,"
            + " input_tokens = s.input_tokens, output_tokens = s.output_tokens, cached_input_tokens = s.cached,"
            + " cost_usd = s.cost::numeric, latency_ms = s.latency, ttft_ms = s.ttft, dropped_settings = s.dropped,"
            + " usage_estimated = s.estimated"
            + " from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int[],"
            + " $8::int[], $9::int[], $10::text[], $11::int[], $12::int[], $13::text[], $14::boolean[])"
            + " as s(id, status, deployment, upstream_model, provider, attempts, input_tokens, output_tokens, cached,"
            + " cost, latency, ttft, dropped, estimated)"
            + " where c.id = s.id and c.status = 'running'"
            + " returning c.org_id, c.api_key_id, c.org_reserved_usd, c.key_reserved_usd, c.cost_usd";
    private static final String ORG_SPEND = "update gateway.org_budgets set reserved_usd = greatest(reserved_usd - $2, 0),"
            + " spent_usd = spent_usd + $3, updated_at = now() where org_id = $1";
    private static final String KEY_SPEND = "update gateway.api_keys set reserved_usd = greatest(reserved_usd - $2, 0),"
            + " spent_usd = spent_usd + $3 where id = $1";

    /** A finished call waiting to be settled, and how often that was tried. */
    private record Settle(long id, CallRecord call, int attempts) {
    }

    private final Queue<Settle> pending = new ConcurrentLinkedQueue<>();
    private final Queue<Opening> openings = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean openingBatch = new AtomicBoolean();
    private volatile Set<UUID> budgetedOrgs = Set.of();
    /** When a call last could not be opened (System.nanoTime), or 0. */
    private volatile long lastOpenFailure;
    /** How long after a failed opening calls wait for their row again before they go out. */
    private final Duration ledgerDoubt;
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final Pool pool;
    private final PriceTable prices;
    private final RouteTable routes;
    private final Tracer tracer;
    private final CallMetrics metrics;
    /** Whether an organization's calls carry what they were sent and answered: all of them, or its choice. */
    private final Predicate<UUID> capturesContent;
    /** How long a call may run before the sweep takes it for lost: the longest a call may take, and a margin. */
    private final Duration lostAfter;

    @jakarta.inject.Inject
    public CallRecorder(Pool pool, GatewayConfig config, Deployments routes, Tracer tracer, MeterRegistry meters,
                        ContentCapture capture) {
        this(pool, prices(config), routes, org -> config.tracing().captureContent() || capture.of(org), tracer,
                config.routing().totalTimeout().plusMinutes(1), config.calls().ledgerDoubt(), new CallMetrics(meters));
    }

    CallRecorder(Pool pool, PriceTable prices, RouteTable routes, Predicate<UUID> capturesContent, Tracer tracer,
                 Duration lostAfter, Duration ledgerDoubt, CallMetrics metrics) {
        this.metrics = metrics;
        this.ledgerDoubt = ledgerDoubt;
        this.pool = pool;
        this.prices = prices;
        this.routes = routes;
        this.capturesContent = capturesContent;
        this.tracer = tracer;
        this.lostAfter = lostAfter;
    }

    /** What the usage of the meter's call costs at its upstream model's price; null when it has none. */
    public BigDecimal costOf(CallMeter meter, int inputTokens, int outputTokens, int cachedInputTokens) {
        return meter.cost(prices, inputTokens, outputTokens, cachedInputTokens);
    }

    private static PriceTable prices(GatewayConfig config) {
        Map<String, PriceTable.Price> table = new HashMap<>();
        config.prices().forEach((model, p) -> table.put(model,
                new PriceTable.Price(p.input(), p.output(), p.cachedInput().orElse(p.input()))));
        return PriceTable.bundled(table);
    }

    /**
     * Starts metering a call, with its span ({@code chat <model>}, OpenTelemetry GenAI conventions) as a child of
     * {@code parent}: the Kafka record's or the HTTP request's trace.
     */
    public CallMeter start(LlmRequest request, Context parent) {
        SpanBuilder span = tracer.spanBuilder("chat " + request.model()).setSpanKind(SpanKind.CLIENT)
                .setParent(parent).setAttribute("gen_ai.operation.name", "chat")
                .setAttribute("gen_ai.request.model", request.model());
        span.setAttribute("switchboard.org.id", String.valueOf(Router.orgOf(request)))
                .setAttribute("switchboard.request.id", request.requestId());
        if (request.sessionId() != null) {
            span.setAttribute("gen_ai.conversation.id", request.sessionId());
        }
        if (request.turnId() != null) {
            span.setAttribute("switchboard.turn.id", request.turnId());
        }
        if (request.agentId() != null) {
            span.setAttribute("gen_ai.agent.id", request.agentId());
        }
        // its agent's choice, its organization's, or every call's
        boolean capture = Boolean.TRUE.equals(request.captureContent()) || capturesContent.test(Router.orgOf(request));
        if (capture) {
            String system = SpanContent.systemInstructions(request.messages());
            if (system != null) {
                span.setAttribute("gen_ai.system_instructions", system);
            }
            span.setAttribute("gen_ai.input.messages", SpanContent.inputMessages(request.messages()));
        }
        long promptChars = CallMeter.promptChars(request);
        return new CallMeter(request, span.startSpan(), capture, reservation(request, promptChars),
                promptChars);
    }

    BigDecimal reservation(LlmRequest request) {
        return reservation(request, CallMeter.promptChars(request));
    }

    /**
     * The most the request may cost: its input (estimated at two characters a token, on the high side for most
     * text) and its output limit (the request's own, else each deployment's, else 4096 tokens), at the dearest
     * deployment it may be routed to. Null when one of those has no price: nothing bounds what the call may cost.
     */
    private BigDecimal reservation(LlmRequest request, long promptChars) {
        UUID org = Router.orgOf(request);
        if (org == null || request.messages() == null) {
            return BigDecimal.ZERO;
        }
        int input = (int) Math.min(Integer.MAX_VALUE, promptChars / 2 + 1);
        List<Deployment> candidates = new ArrayList<>(routes.route(org, request.model()));
        String wider = routes.contextFallback(request.model());
        if (wider != null) {
            candidates.addAll(routes.route(org, wider));
        }
        BigDecimal most = BigDecimal.ZERO;
        for (Deployment deployment : candidates) {
            Integer asked = request.settings().maxOutputTokens(); // the client's bound, if it set one
            int output = asked != null ? asked
                    : deployment.maxTokens() > 0 ? deployment.maxTokens() : DEFAULT_MAX_OUTPUT_TOKENS;
            BigDecimal cost = prices.cost(deployment.model(), input, output, 0);
            if (cost == null) {
                return null;
            }
            most = most.max(cost);
        }
        return most;
    }

    /**
     * Opens the call in the ledger before it goes out. Fails with {@code budget_exceeded} when its key's budget or its
     * organization's would be exceeded, and with {@code usage_unavailable} when it cannot be written down. A call with
     * no budget to reserve on (the common case) is written in a batch with the calls opening at the same time: one
     * multi-row insert while the previous one is under way, about a tenth of the database's work per call.
     */
    public Uni<Void> open(CallMeter meter) {
        if (!meter.keyBudgeted() && !budgetedOrgs.contains(meter.orgId())) {
            return Uni.createFrom().emitter(emitter -> {
                openings.add(new Opening(meter, emitter));
                openNext();
            });
        }
        if (meter.reserve() == null) {
            return Uni.createFrom().failure(new ProviderException(ProviderException.Kind.INVALID_REQUEST, 400,
                    "model '" + meter.model() + "' has no price, so a budget cannot bound its calls: an operator gives"
                            + " it one (gateway.prices.<model>.input and .output)", null));
        }
        return pool.preparedQuery(OPEN).execute(Tuple.from(new Object[] {meter.requestId(), meter.sessionId(),
                        meter.turnId(), meter.agentId(), meter.model(), meter.apiKeyId(), meter.orgId(), meter.reserve(),
                        meter.startedAt().atOffset(ZoneOffset.UTC)}))
                .onFailure().transform(e -> unrecordable(meter, e))
                .map(rows -> {
                    long id = rows.iterator().next().getLong(0);
                    if (id == -1) {
                        throw new ProviderException(ProviderException.Kind.BUDGET_EXCEEDED,
                                "this key's budget does not cover the call (up to $" + plain(meter.reserve())
                                        + " with its output limit)");
                    }
                    if (id == -2) {
                        throw new ProviderException(ProviderException.Kind.BUDGET_EXCEEDED,
                                "the organization's monthly budget does not cover the call (up to $"
                                        + plain(meter.reserve()) + " with its output limit)");
                    }
                    opened(meter, id);
                    return null;
                });
    }

    private void opened(CallMeter meter, long id) {
        CallRecord early = meter.opened(id);
        if (early != null) {
            queue(new Settle(id, early, 0)); // it ended (cancelled) while it was being opened
        }
    }

    /**
     * Whether the call may go upstream while its row is being written, saving a database round trip on its way out
     * (its answer still waits for the row; a row that cannot be written stops and refuses it): only a call with
     * nothing to reserve, and only while the ledger takes rows (no opening failed within
     * {@code gateway.calls.ledger-doubt}), so during an outage calls wait for their row, and are refused, as before.
     * A call refused that way may have been answered upstream already: it is logged with its usage (see
     * {@link #record}), the one kind of call the ledger can miss.
     */
    public boolean mayOpenAlongside(CallMeter meter) {
        return !meter.keyBudgeted() && !budgetedOrgs.contains(meter.orgId()) && !ledgerInDoubt();
    }

    /** Whether an opening failed within {@code gateway.calls.ledger-doubt}. */
    boolean ledgerInDoubt() {
        long failed = lastOpenFailure;
        return failed != 0 && System.nanoTime() - failed < ledgerDoubt.toNanos();
    }

    private ProviderException unrecordable(CallMeter meter, Throwable e) {
        String requestId = meter.requestId();
        CallRecord ended = meter.unrecordable();
        if (ended != null) {
            logUnrecorded(ended);
        }
        lastOpenFailure = System.nanoTime() | 1; // never 0
        SessionLogs.log(meter.sessionId(), meter.turnId(), () -> SessionLogs.log(meter.trace(), // the call's span
                () -> LOG.warnf("could not open LLM call %s: %s", requestId, e.getMessage())));
        return new ProviderException(ProviderException.Kind.LEDGER_UNAVAILABLE,
                "the call cannot be recorded right now, so it was not sent");
    }

    /** A call waiting for its row, and who waits for it. */
    private record Opening(CallMeter meter, UniEmitter<? super Void> opened) {
    }

    /** Writes the calls waiting to be opened, one batch at a time; the next batch gathers while one is written. */
    private void openNext() {
        if (!openingBatch.compareAndSet(false, true)) {
            return;
        }
        List<Opening> batch = new ArrayList<>();
        Opening next;
        while (batch.size() < MAX_BATCH && (next = openings.poll()) != null) {
            batch.add(next);
        }
        if (batch.isEmpty()) {
            openingBatch.set(false);
            if (!openings.isEmpty()) {
                openNext(); // one came after the poll and before the flag was down
            }
            return;
        }
        pool.preparedQuery(OPEN_BATCH).execute(Tuple.from(new Object[] {
                        column(batch, String[]::new, o -> o.meter().requestId()),
                        column(batch, String[]::new, o -> o.meter().sessionId()),
                        column(batch, String[]::new, o -> o.meter().turnId()),
                        column(batch, String[]::new, o -> o.meter().agentId()),
                        column(batch, String[]::new, o -> o.meter().model()),
                        column(batch, UUID[]::new, o -> o.meter().apiKeyId()),
                        column(batch, UUID[]::new, o -> o.meter().orgId()),
                        column(batch, OffsetDateTime[]::new, o -> o.meter().startedAt().atOffset(ZoneOffset.UTC))}))
                .subscribe().with(rows -> {
                    openingBatch.set(false);
                    openNext();
                    int i = 0;
                    for (Row row : rows) {
                        Opening opening = batch.get(i++);
                        opened(opening.meter(), row.getLong("id"));
                        opening.opened().complete(null);
                    }
                }, failure -> {
                    openingBatch.set(false);
                    openNext();
                    for (Opening opening : batch) {
                        opening.opened().fail(unrecordable(opening.meter(), failure));
                    }
                });
    }

    /** Which organizations have a budget (their calls reserve on it), read again every few seconds. */
    @Scheduled(every = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> readBudgetedOrgs() {
        return pool.query("select org_id from gateway.org_budgets").execute()
                .invoke(rows -> {
                    Set<UUID> orgs = new HashSet<>();
                    rows.forEach(row -> orgs.add(row.getUUID("org_id")));
                    budgetedOrgs = orgs;
                })
                .replaceWithVoid()
                .onFailure().recoverWithItem(e -> {
                    LOG.warn("could not read which organizations have budgets", e);
                    return null;
                });
    }

    /** An organization's budget was set or removed on this replica: its calls reserve on it (or not) at once. */
    public void budgetChanged(UUID orgId, boolean budgeted) {
        Set<UUID> orgs = new HashSet<>(budgetedOrgs);
        if (budgeted) {
            orgs.add(orgId);
        } else {
            orgs.remove(orgId);
        }
        budgetedOrgs = orgs;
    }

    private static String plain(BigDecimal amount) {
        return amount.setScale(6, RoundingMode.UP).stripTrailingZeros().toPlainString();
    }

    /** Prices the finished call, ends its span and queues it to be settled (once its row is open). */
    public void record(CallMeter meter) {
        CallRecord call = meter.finish(prices);
        String output = meter.outputMessages();
        if (output != null) {
            meter.span().setAttribute("gen_ai.output.messages", output);
        }
        if (meter.attemptedOn().size() > 1) { // retries and fallbacks: every deployment tried, in order
            meter.span().setAttribute(DEPLOYMENTS_TRIED, meter.attemptedOn());
        }
        endSpan(meter.span(), call, meter.finishReason());
        try (Scope ignored = meter.span().makeCurrent()) { // the metrics' exemplars name the call's span
            metrics.record(call, meter.attemptedOn());
        }
        Long id = meter.ended(call);
        if (CallMeter.UNRECORDABLE.equals(id)) {
            logUnrecorded(call);
        } else if (id != null) {
            queue(new Settle(id, call, 0));
        }
    }

    /** A call whose row could not be written, told to the log: when it went out, the provider may charge for it. */
    private static void logUnrecorded(CallRecord call) {
        if (call.deployment() != null) {
            SessionLogs.log(call.sessionId(), call.turnId(), () -> LOG.warnf("LLM call %s was refused, its row could"
                            + " not be written, but it had gone to %s (%d input and %d output tokens, $%s, key %s,"
                            + " organization %s)", call.requestId(), call.deployment(), call.inputTokens(),
                    call.outputTokens(), call.costUsd() == null ? "unpriced" : call.costUsd().toPlainString(),
                    call.apiKeyId(), call.orgId()));
        }
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
        if (call.costUsd() != null) {
            span.setAttribute("switchboard.cost_usd", call.costUsd().doubleValue());
        }
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

    private void queue(Settle settle) {
        if (queued.incrementAndGet() > MAX_QUEUED) {
            // the row stays running: the sweep settles it at what it reserved
            queued.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        pending.add(settle);
    }

    @Scheduled(every = "${gateway.calls.flush-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> flush() {
        long lost = dropped.getAndSet(0);
        if (lost > 0) {
            LOG.warnf("%d LLM calls could not be settled in time: the sweep will settle them at what they reserved",
                    lost);
        }
        return Multi.createBy().repeating().uni(this::flushBatch).whilst(settled -> settled == MAX_BATCH)
                .collect().last().replaceWithVoid();
    }

    /** Settles up to one batch in one transaction; gives how many were taken from the queue. */
    private Uni<Integer> flushBatch() {
        List<Settle> batch = new ArrayList<>();
        Settle settle;
        while (batch.size() < MAX_BATCH && (settle = pending.poll()) != null) {
            queued.decrementAndGet();
            batch.add(settle);
        }
        if (batch.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return pool.withTransaction(tx -> settle(tx, batch)).replaceWith(batch.size())
                .onFailure().recoverWithItem(e -> {
                    for (Settle failed : batch) {
                        if (failed.attempts() + 1 < MAX_SETTLE_ATTEMPTS) {
                            queue(new Settle(failed.id(), failed.call(), failed.attempts() + 1));
                        }
                    }
                    LOG.errorf(e, "could not settle %d LLM calls: tried again at the next flush (the sweep settles"
                            + " those tried %d times)", batch.size(), MAX_SETTLE_ATTEMPTS);
                    return batch.size();
                });
    }

    /**
     * Settles the calls (those still running) and moves what they reserved to what their organizations and keys spent:
     * one update per organization and per key, organizations before keys and each in order, as openings lock them, so
     * settling and opening never deadlock.
     */
    private Uni<Void> settle(SqlConnection tx, List<Settle> batch) {
        return tx.preparedQuery(SETTLE).execute(Tuple.from(new Object[] {
                        column(batch, Long[]::new, Settle::id),
                        column(batch, String[]::new, c -> c.call().status()),
                        column(batch, String[]::new, c -> c.call().deployment()),
                        column(batch, String[]::new, c -> c.call().upstreamModel()),
                        column(batch, String[]::new, c -> c.call().provider()),
                        column(batch, Integer[]::new, c -> c.call().attempts()),
                        column(batch, Integer[]::new, c -> c.call().inputTokens()),
                        column(batch, Integer[]::new, c -> c.call().outputTokens()),
                        column(batch, Integer[]::new, c -> c.call().cachedInputTokens()),
                        column(batch, String[]::new, c -> c.call().costUsd() == null ? null
                                : c.call().costUsd().toPlainString()),
                        column(batch, Integer[]::new, c -> c.call().latencyMs()),
                        column(batch, Integer[]::new, c -> c.call().ttftMs()),
                        column(batch, String[]::new, c -> c.call().droppedSettings()),
                        column(batch, Boolean[]::new, c -> c.call().usageEstimated())}))
                .flatMap(settled -> {
                    Map<UUID, BigDecimal[]> orgs = new TreeMap<>();
                    Map<UUID, BigDecimal[]> keys = new TreeMap<>();
                    for (Row row : settled) {
                        add(orgs, row.getUUID("org_id"), row.getBigDecimal("org_reserved_usd"),
                                row.getBigDecimal("cost_usd"));
                        if (row.getUUID("api_key_id") != null) {
                            add(keys, row.getUUID("api_key_id"), row.getBigDecimal("key_reserved_usd"),
                                    row.getBigDecimal("cost_usd"));
                        }
                    }
                    return spend(tx, ORG_SPEND, orgs).flatMap(x -> spend(tx, KEY_SPEND, keys));
                });
    }

    /** One field of every row of a batch, as an array: a parameter that {@code unnest} turns back into rows. */
    private static <T, C> C[] column(List<T> rows, IntFunction<C[]> array, Function<T, C> field) {
        C[] column = array.apply(rows.size());
        for (int i = 0; i < column.length; i++) {
            column[i] = field.apply(rows.get(i));
        }
        return column;
    }

    private static void add(Map<UUID, BigDecimal[]> totals, UUID id, BigDecimal reserved, BigDecimal cost) {
        BigDecimal[] sum = totals.computeIfAbsent(id, x -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
        sum[0] = sum[0].add(reserved);
        sum[1] = sum[1].add(cost == null ? BigDecimal.ZERO : cost); // an unpriced call spends nothing we know of
    }

    private static Uni<Void> spend(SqlConnection tx, String sql, Map<UUID, BigDecimal[]> totals) {
        if (totals.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = totals.entrySet().stream()
                .map(e -> Tuple.of(e.getKey(), e.getValue()[0], e.getValue()[1])).toList();
        return tx.preparedQuery(sql).executeBatch(rows).replaceWithVoid();
    }

    /**
     * Settles the calls that have been running for longer than any call may (their replica died, or their settle was
     * lost) as {@code interrupted}, charged what they reserved. Rows another replica is sweeping are skipped.
     */
    @Scheduled(every = "${gateway.calls.sweep-interval}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> sweep() {
        return settleLost(Instant.now());
    }

    /** The sweep, as of {@code now}. */
    Uni<Void> settleLost(Instant now) {
        return pool.withTransaction(tx -> tx.preparedQuery("select * from gateway.llm_calls where status = 'running'"
                                + " and started_at < $1 order by id limit " + MAX_BATCH + " for update skip locked")
                        .execute(Tuple.of(now.minus(lostAfter).atOffset(ZoneOffset.UTC)))
                        .flatMap(rows -> {
                            List<Settle> lost = new ArrayList<>();
                            for (Row row : rows) {
                                CallRecord call = toRecord(row);
                                lost.add(new Settle(row.getLong("id"), new CallRecord(call.requestId(),
                                        call.sessionId(), call.turnId(), call.agentId(), call.model(), call.deployment(),
                                        call.upstreamModel(), call.provider(), call.attempts(), "interrupted", 0, 0, 0,
                                        row.getBigDecimal("reserved_usd"), null, null, call.startedAt(),
                                        call.apiKeyId(), call.orgId(), call.droppedSettings(), false), 0));
                            }
                            if (!lost.isEmpty()) {
                                LOG.warnf("settling %d LLM calls a replica left running as interrupted", lost.size());
                            }
                            return lost.isEmpty() ? Uni.createFrom().voidItem() : settle(tx, lost);
                        }))
                .onFailure().recoverWithItem(e -> {
                    LOG.warn("could not sweep lost LLM calls", e);
                    return null;
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

    /** One group of the usage report: {@code costUsd} of its priced calls, {@code unpricedCalls} those without a price. */
    public record UsageRow(String key, long calls, long errors, long inputTokens, long outputTokens,
                           long cachedInputTokens, BigDecimal costUsd, long unpricedCalls, Double p50LatencyMs,
                           Double p50TtftMs) {
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
        String sql = "select " + key + " as key, count(*) as calls,"
                + " count(*) filter (where status not in ('ok', 'running')) as errors,"
                + " sum(input_tokens) as input, sum(output_tokens) as output, sum(cached_input_tokens) as cached,"
                + " coalesce(sum(cost_usd), 0) as cost, count(*) filter (where cost_usd is null) as unpriced,"
                + " percentile_cont(0.5) within group (order by latency_ms) as latency,"
                + " percentile_cont(0.5) within group (order by ttft_ms) as ttft"
                + " from gateway.llm_calls where org_id = $3 and started_at >= $1 and started_at < $2"
                + " group by 1 order by 1";
        return pool.preparedQuery(sql).execute(Tuple.of(from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC),
                        orgId))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .map(r -> new UsageRow(r.getString("key"), r.getLong("calls"), r.getLong("errors"), r.getLong("input"),
                        r.getLong("output"), r.getLong("cached"), PriceTable.plain(r.getBigDecimal("cost")),
                        r.getLong("unpriced"),
                        r.getDouble("latency"),
                        r.getDouble("ttft")))
                .collect().asList();
    }

    private static CallRecord toRecord(Row row) {
        return new CallRecord(row.getString("request_id"), row.getString("session_id"), row.getString("turn_id"),
                row.getString("agent_id"), row.getString("model"), row.getString("deployment"),
                row.getString("upstream_model"), row.getString("provider"), row.getInteger("attempts"),
                row.getString("status"), row.getInteger("input_tokens"), row.getInteger("output_tokens"),
                row.getInteger("cached_input_tokens"), PriceTable.plain(row.getBigDecimal("cost_usd")),
                row.getInteger("latency_ms"),
                row.getInteger("ttft_ms"), row.getOffsetDateTime("started_at").toInstant(),
                row.getUUID("api_key_id"), row.getUUID("org_id"), row.getString("dropped_settings"),
                row.getBoolean("usage_estimated"));
    }
}

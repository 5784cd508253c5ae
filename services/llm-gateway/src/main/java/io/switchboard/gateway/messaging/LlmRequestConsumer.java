package io.switchboard.gateway.messaging;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.switchboard.api.Drain;
import io.switchboard.contracts.llm.LlmCancel;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.gateway.config.GatewayConfig;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException;
import io.switchboard.gateway.routing.Router;
import io.switchboard.gateway.usage.CallMeter;
import io.switchboard.gateway.usage.CallRecorder;
import io.switchboard.messaging.Slots;
import io.switchboard.traces.SessionLogs;
import io.switchboard.traces.SessionTraces;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.Outgoing;
import org.jboss.logging.Logger;

/**
 * Serves {@code llm.requests} as Kafka request-reply: every request becomes a stream of chunks sent back to the
 * requester's reply topic. Streams of different requests run concurrently (merge); each chunk carries the request's
 * metadata so the sink routes it to the right reply topic and correlation id. Every stream ends with exactly one
 * terminal chunk: {@code Finished}, or {@code Failed} with the failure's code.
 */
@ApplicationScoped
public class LlmRequestConsumer {
    static final String CHANNEL = "llm-requests";
    /** Upstream calls at once; past it, a call taken waits for a slot ({@link #streams}). */
    static final int MAX_CONCURRENT_STREAMS = 1024;
    /**
     * Calls taken at once, streaming or waiting for a stream slot; beyond it, requests wait in Kafka, unread. A call
     * waiting for a slot hears keep-alives, as one whose model is silent does: silent for 15 s, its requester would
     * take it for lost and ask again (when it waited unread behind 1,024 slow streams). Its wait counts in the call's
     * latency, as the requester sees it; one still waiting when a clean stop's drain ends is not answered.
     */
    static final int MAX_TAKEN = 4096;
    /** How long a text delta waits for the next to go out with it. */
    static final Duration COALESCE = Duration.ofMillis(2);
    /**
     * How long the model may be silent before the requester hears that the call goes on ({@code KeepAlive}): between
     * this and half as much again. The runtime gives a reply silent for 15 s up as lost
     * ({@code switchboard.llm.reply-silence}).
     */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(5);
    private static final ProviderEvent END = new ProviderEvent.Finish("<end>");
    /** This process, on every reply chunk it sends ({@link LlmChunk#REPLICA_HEADER}). */
    private static final byte[] REPLICA = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
    private static final Logger LOG = Logger.getLogger(LlmRequestConsumer.class);

    private final Router router;
    private final CallRecorder recorder;
    /** Calls from Kafka in flight here, by request id: what stops each one. */
    private final Map<String, Runnable> inFlight = new ConcurrentHashMap<>();
    /** What this replica took, so a record read again after a rebalance is not answered twice. */
    private final RecordsTaken recordsTaken = new RecordsTaken();
    /** Requests taken here and not yet answered to the end: streaming, or acked and waiting for a stream slot. */
    private final AtomicInteger replying = new AtomicInteger();
    /** The upstream calls streaming; a call waits here, in arrival order, for one to end. */
    private final Slots streams = new Slots(MAX_CONCURRENT_STREAMS);
    private final KafkaClientService kafka;
    private final Duration drain;
    /** A clean stop began: no request is taken any more. */
    private volatile boolean stopping;

    public LlmRequestConsumer(Router router, CallRecorder recorder, KafkaClientService kafka, GatewayConfig config) {
        this.router = router;
        this.recorder = recorder;
        this.kafka = kafka;
        this.drain = config.calls().drain();
    }

    /**
     * Requests come in the batches Kafka's polls fetched ({@code batch=true}) and are served one by one. One record at a
     * time, SmallRye hands a record over only after two trips through the event loop (its message converter takes one
     * record at a time, and every request and record crosses to a Vert.x context): measured after a broker hang with
     * 1,300 calls waiting, 10-40 records a second while the event loop lagged 30-200 ms, so calls waited past the
     * requester's 15 s of silence. A batch pays those trips once.
     */
    @Incoming(CHANNEL)
    @Outgoing("llm-replies")
    public Multi<Message<LlmChunk>> serve(Multi<KafkaRecordBatch<String, LlmRequest>> batches) {
        return batches.onItem().transformToIterable(this::taken)
                .onItem().transformToMulti(this::reply).merge(MAX_TAKEN);
    }

    /**
     * A batch's requests, the batch acked at once as a whole (the throttled commit tracks a batch by its last record
     * per partition: records acked one by one would each stay in its memory). An unreadable one is still nacked on
     * its own, to the dead-letter topic. A record this replica took before (read again after a rebalance) is acked
     * and not answered again ({@link RecordsTaken}). Once a clean stop began, none: unacked, they are read again by the
     * partition's next owner. A batch taken before it is served to its last request, those still waiting for a
     * stream slot included, and the stop waits for them.
     */
    private List<Message<LlmRequest>> taken(KafkaRecordBatch<String, LlmRequest> batch) {
        List<KafkaRecord<String, LlmRequest>> records = batch.getRecords();
        // counted before the check, so a stop that begins meanwhile either sees them or is seen
        replying.addAndGet(records.size());
        if (stopping) {
            replying.addAndGet(-records.size());
            return List.of();
        }
        batch.ack();
        List<Message<LlmRequest>> fresh = new ArrayList<>(records.size());
        for (KafkaRecord<String, LlmRequest> record : records) {
            if (firstTime(record)) {
                fresh.add(record.withAck(() -> CompletableFuture.completedFuture(null)));
            }
        }
        int readAgain = records.size() - fresh.size();
        if (readAgain > 0) {
            replying.addAndGet(-readAgain);
            LOG.infof("%d of %d requests read again after a rebalance, taken here before: not answered twice",
                    readAgain, records.size());
        }
        return fresh;
    }

    private boolean firstTime(KafkaRecord<String, LlmRequest> record) {
        return record.getMetadata(IncomingKafkaRecordMetadata.class)
                .map(kafka -> recordsTaken.firstTime(kafka.getTopic(), kafka.getPartition(), kafka.getOffset(),
                        kafka.getTimestamp().toEpochMilli()))
                .orElse(true);
    }

    private Multi<Message<LlmChunk>> reply(Message<LlmRequest> request) {
        return answerOrDeadLetter(request).onTermination().invoke(replying::decrementAndGet);
    }

    /** Answers {@code request}, or sends it to the dead-letter topic if it cannot be read. */
    private Multi<Message<LlmChunk>> answerOrDeadLetter(Message<LlmRequest> request) {
        LlmRequest payload = request.getPayload();
        if (payload == null || payload.requestId() == null || payload.messages() == null
                || Router.orgOf(payload) == null) {
            // unreadable (or for no organization there can be): to the dead-letter topic, unanswered
            return Uni.createFrom().completionStage(() -> request.nack(
                            new IllegalArgumentException("not a valid LlmRequest")))
                    .onItem().transformToMulti(x -> Multi.createFrom().empty());
        }
        return answer(payload, request.getMetadata());
    }

    private Multi<Message<LlmChunk>> answer(LlmRequest payload, Metadata routing) {
        OutgoingKafkaRecordMetadata<String> key = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(payload.requestId()).addHeaders(new RecordHeader(LlmChunk.REPLICA_HEADER, REPLICA)).build();
        CallMeter meter = recorder.start(payload, SessionTraces.fromTraceparent(payload.traceparent()));
        Chunks chunks = new Chunks(payload.requestId(), usage -> recorder.costOf(meter, usage.inputTokens(),
                usage.outputTokens(), usage.cachedInputTokens()));
        return cancellable(payload.requestId(), streams.stream(() -> recorder.open(meter)
                        .onItem().transformToMulti(opened -> router.stream(payload, meter::attempt))))
                .onItem().invoke(meter::observe)
                .plug(events -> withKeepAlive(events, KEEP_ALIVE))
                .plug(LlmRequestConsumer::coalesced)
                .onItem().transformToIterable(chunks::of)
                .onCompletion().continueWith(chunks::rest)
                .onFailure().recoverWithMulti(failure -> {
                    meter.failed(failure);
                    SessionLogs.log(payload.sessionId(), payload.turnId(), () -> {
                        if (failure instanceof ProviderException) {
                            LOG.infof("LLM call %s failed: %s", payload.requestId(), failure.getMessage());
                        } else {
                            LOG.errorf(failure, "LLM stream %s broke", payload.requestId());
                        }
                    });
                    return Multi.createFrom().iterable(chunks.failed(failure));
                })
                .onTermination().invoke(() -> recorder.record(meter))
                .map(chunk -> Message.of(chunk, routing).addMetadata(key));
    }

    /**
     * A clean stop begins (SIGTERM; readiness goes down): no more requests are taken (this replica's share waits in
     * Kafka until its partitions move to another, those fetched already included), and the calls taken stream on to
     * their end for up to
     * {@code gateway.calls.drain}, so their requesters never notice. Then come the shutdown delay, the calls under way
     * through the HTTP front doors ({@code quarkus.shutdown.timeout}), the ledger's last flush ({@link CallRecorder}),
     * and the consumers and producers close.
     */
    void stop(@Observes ShutdownDelayInitiatedEvent event) {
        long started = System.nanoTime();
        stopping = true;
        try {
            KafkaConsumer<Object, Object> consumer = kafka.getConsumer(CHANNEL);
            if (consumer != null) {
                consumer.pause().await().atMost(Duration.ofSeconds(5));
            }
        } catch (RuntimeException e) {
            LOG.warnf("could not pause %s: %s", CHANNEL, e.getMessage());
        }
        if (replying.get() > 0) {
            LOG.infof("stopping: letting %d LLM calls run to their end (at most %s)", replying.get(), drain);
        }
        if (!Drain.waitWhile(() -> replying.get() > 0, drain)) {
            LOG.warnf("stopping with %d LLM calls still under way after %s", replying.get(), drain);
        }
        LOG.infof("stopped taking LLM calls in %d ms", (System.nanoTime() - started) / 1_000_000);
    }

    /** {@code events}, and a {@code KeepAlive} whenever they have been silent for {@code every} (checked twice as often). */
    static Multi<ProviderEvent> withKeepAlive(Multi<ProviderEvent> events, Duration every) {
        AtomicLong lastEvent = new AtomicLong(System.nanoTime());
        Multi<ProviderEvent> keepAlives = Multi.createFrom().ticks().every(every.dividedBy(2)).onOverflow().drop()
                .filter(tick -> System.nanoTime() - lastEvent.get() >= every.toNanos())
                .invoke(tick -> lastEvent.set(System.nanoTime()))
                .map(tick -> new ProviderEvent.KeepAlive());
        // the ticks never end: a sentinel after the last event ends the merge (and cancels them)
        return Multi.createBy().merging().streams(
                        events.onItem().invoke(e -> lastEvent.set(System.nanoTime())).onCompletion().continueWith(END),
                        keepAlives)
                .select().first(event -> event != END);
    }

    /**
     * {@code events} with the text ready at once as one event: a model faster than a Kafka round trip (sim at zero
     * pace, a cached answer) does not pay a record per token; a token waits at most {@link #COALESCE} for company.
     * While the reply's reader has not asked for more (Kafka behind: after a broker hang, 1,300 calls streamed at
     * once), the text waits joined with what follows it, so a call sends fewer records the further Kafka is behind.
     * (Mutiny's timed grouping hands its list on when the time is up whether or not it was asked for, and fails the
     * stream when it was not: measured, 199 of 1,300 calls broke after the broker hung.)
     */
    static Multi<ProviderEvent> coalesced(Multi<ProviderEvent> events) {
        // a failure passes the grouping as an end (which hands on the list it holds: failing, it would drop it), and
        // is raised again after the text that came before it
        AtomicReference<Throwable> failure = new AtomicReference<>();
        return events.onFailure().invoke(failure::set).onFailure().recoverWithCompletion()
                .group().intoLists().of(64, COALESCE).plug(Conflate::lists)
                .onItem().transformToIterable(LlmRequestConsumer::joinText)
                .onCompletion().switchTo(() -> failure.get() == null ? Multi.createFrom().empty()
                        : Multi.createFrom().failure(failure.get()));
    }

    /** Adjacent text deltas as one, a keep-alive only if nothing else goes; everything else as it is. */
    static List<ProviderEvent> joinText(List<ProviderEvent> events) {
        List<ProviderEvent> joined = new ArrayList<>(events.size());
        StringBuilder text = null;
        boolean keepAlive = false;
        for (ProviderEvent event : events) {
            if (event instanceof ProviderEvent.KeepAlive) {
                keepAlive = true;
                continue;
            }
            if (event instanceof ProviderEvent.TextDelta delta) {
                text = text == null ? new StringBuilder(delta.text()) : text.append(delta.text());
                continue;
            }
            if (text != null) {
                joined.add(new ProviderEvent.TextDelta(text.toString()));
                text = null;
            }
            joined.add(event);
        }
        if (text != null) {
            joined.add(new ProviderEvent.TextDelta(text.toString()));
        }
        if (keepAlive && joined.isEmpty()) {
            joined.add(new ProviderEvent.KeepAlive());
        }
        return joined;
    }

    /**
     * A requester that gives up on an answer says so on {@code llm.cancels}; every replica hears it and the one serving
     * the request closes the upstream call (so the provider stops generating) and ends the reply as {@code cancelled}.
     */
    @Incoming("llm-cancels")
    public void onCancel(LlmCancel cancel) {
        Runnable stop = cancel == null ? null : inFlight.remove(cancel.requestId());
        if (stop != null) {
            stop.run();
        }
    }

    private Multi<ProviderEvent> cancellable(String requestId, Multi<ProviderEvent> call) {
        return Multi.createFrom().emitter(emitter -> {
            AtomicReference<Cancellable> running = new AtomicReference<>();
            inFlight.put(requestId, () -> {
                Cancellable subscription = running.get();
                if (subscription != null) {
                    subscription.cancel();
                }
                emitter.fail(new ProviderException(ProviderException.Kind.CANCELLED,
                        "the requester cancelled the call"));
            });
            running.set(call.subscribe().with(emitter::emit, emitter::fail, emitter::complete));
            emitter.onTermination(() -> {
                inFlight.remove(requestId);
                running.get().cancel();
            });
        });
    }

    /**
     * Numbers one reply's chunks from 0 and translates the gateway's events into the Kafka contract. Usage is held
     * for the {@code Finished} that follows it (one record fewer per call); anything else lets it out first.
     */
    static final class Chunks {
        private final String requestId;
        private final Function<ProviderEvent.Usage, BigDecimal> costOf;
        private int seq;
        private ProviderEvent.Usage heldUsage;

        Chunks(String requestId, Function<ProviderEvent.Usage, BigDecimal> costOf) {
            this.requestId = requestId;
            this.costOf = costOf;
        }

        List<LlmChunk> of(ProviderEvent event) {
            if (event instanceof ProviderEvent.Finish finish) {
                ProviderEvent.Usage u = heldUsage;
                heldUsage = null;
                return List.of(new LlmChunk.Finished(requestId, seq++, finish.reason(),
                        u == null ? null : new LlmChunk.Tokens(u.inputTokens(), u.outputTokens(),
                                u.cachedInputTokens(), costOf.apply(u))));
            }
            List<LlmChunk> out = released();
            if (event instanceof ProviderEvent.Usage usage) {
                heldUsage = usage;
            } else if (event instanceof ProviderEvent.ReasoningSignature || event instanceof ProviderEvent.Verbatim) {
                return out; // no chunk of the contract carries them
            } else {
                out.add(chunk(event));
            }
            return out;
        }

        /** What is still held when the stream ends without a finish (the requester then sees it interrupted). */
        List<LlmChunk> rest() {
            return released();
        }

        List<LlmChunk> failed(Throwable failure) {
            List<LlmChunk> out = released();
            if (failure instanceof ProviderException e) {
                out.add(new LlmChunk.Failed(requestId, seq++, e.kind().code, e.getMessage(), e.kind().retryable));
            } else {
                out.add(new LlmChunk.Failed(requestId, seq++, "internal_error", "the gateway hit an error", true));
            }
            return out;
        }

        /** A held usage goes out as a chunk of its own when something other than the end follows it. */
        private List<LlmChunk> released() {
            List<LlmChunk> out = new ArrayList<>(2);
            if (heldUsage != null) {
                out.add(new LlmChunk.Usage(requestId, seq++, heldUsage.inputTokens(), heldUsage.outputTokens(),
                        heldUsage.cachedInputTokens(), costOf.apply(heldUsage)));
                heldUsage = null;
            }
            return out;
        }

        private LlmChunk chunk(ProviderEvent event) {
            int n = seq++;
            if (event instanceof ProviderEvent.TextDelta e) {
                return new LlmChunk.TextDelta(requestId, n, e.text());
            }
            if (event instanceof ProviderEvent.ReasoningDelta e) {
                return new LlmChunk.ReasoningDelta(requestId, n, e.text());
            }
            if (event instanceof ProviderEvent.KeepAlive) {
                return new LlmChunk.KeepAlive(requestId, n);
            }
            ProviderEvent.ToolCall e = (ProviderEvent.ToolCall) event;
            return new LlmChunk.ToolCallRequested(requestId, n, new ToolCall(e.id(), e.name(), e.arguments()));
        }
    }
}

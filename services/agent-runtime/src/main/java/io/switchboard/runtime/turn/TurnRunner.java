package io.switchboard.runtime.turn;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.switchboard.contracts.agent.AgentEvent;
import io.switchboard.contracts.agent.ApprovalRequested;
import io.switchboard.contracts.agent.TokenDelta;
import io.switchboard.contracts.agent.ToolCallFinished;
import io.switchboard.contracts.agent.ToolCallStarted;
import io.switchboard.contracts.agent.TurnCompleted;
import io.switchboard.contracts.agent.TurnFailed;
import io.switchboard.contracts.agent.TurnResumed;
import io.switchboard.contracts.agent.TurnStarted;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.messaging.ModelCalls;
import io.switchboard.runtime.client.GatewayClient;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.context.ContextWindow;
import io.switchboard.runtime.context.Conversation;
import io.switchboard.runtime.messaging.EventPublisher;
import io.switchboard.runtime.repository.Agent;
import io.switchboard.runtime.repository.AgentRepository;
import io.switchboard.runtime.repository.Approval;
import io.switchboard.runtime.repository.ApprovalRepository;
import io.switchboard.runtime.repository.ContextRepository;
import io.switchboard.runtime.repository.SessionRepository.NewMessage;
import io.switchboard.runtime.repository.SessionRepository;
import io.switchboard.runtime.repository.StoredMessage;
import io.switchboard.runtime.repository.Turn;
import io.switchboard.runtime.tools.Tool;
import io.switchboard.runtime.tools.ToolArguments;
import io.switchboard.runtime.tools.ToolCatalog;
import io.switchboard.runtime.tools.SubAgentTool;
import io.switchboard.runtime.tools.ToolContext;
import io.switchboard.runtime.turn.TurnInput.Crashed;
import io.switchboard.traces.ContentCapture;
import io.switchboard.traces.SessionLogs;
import io.switchboard.traces.SessionTraces;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Carries out what {@link TurnMachine} decides for one turn at a time, and feeds back what came of it. Directives are
 * carried out in order: each write to the journal is committed before the next directive starts, so nothing depends
 * on a step that is not stored. Model calls stream their text as {@code TokenDelta} events; tools run in parallel,
 * at most {@code runtime.tools.max-parallel} of a turn and {@code runtime.tools.max-concurrent} of the runtime at
 * once ({@link ToolSlots}).
 */
@ApplicationScoped
public class TurnRunner {
    private static final Logger LOG = Logger.getLogger(TurnRunner.class);
    /** Event seqs reserved at a time (see {@link Run#nextSeq}). */
    static final int SEQ_BLOCK = 1000;
    /** Tries of a seq reservation that fails for a passing reason: about half a minute of them. */
    static final int RESERVE_TRIES = 20;
    /** How soon a model call Kafka did not take is sent again (each try waits up to the producer's 10 s). */
    private static final TypeReference<List<ToolCall>> TOOL_CALLS = new TypeReference<>() {
    };

    private final SessionRepository sessions;
    private final AgentRepository agents;
    private final ContextWindow window;
    private final GatewayClient gateway;
    private final ToolCatalog catalog;
    private final ToolArguments arguments;
    private final ToolSlots slots;
    private final ApprovalRepository approvals;
    private final EventPublisher events;
    private final RuntimeConfig config;
    private final ObjectMapper json;
    private final Tracer tracer;
    private final TurnMetrics metrics;
    private final ContentCapture capture;
    /** Turns running here, by id (to cancel them). */
    private final Map<UUID, Run> running = new ConcurrentHashMap<>();
    /**
     * Cancels heard for turns not running here, with their reasons: a turn claimed just before its cancel flag was set
     * and registered just after the cancel came stops as it registers, not at the next lease renewal.
     */
    private final Cache<UUID, String> unmatchedCancels = Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofSeconds(30)).maximumSize(10_000).build();
    private final KeptConversations kept = new KeptConversations();

    public TurnRunner(SessionRepository sessions, AgentRepository agents, ContextWindow window, GatewayClient gateway,
                      ToolCatalog catalog, ToolArguments arguments, ToolSlots slots, ApprovalRepository approvals,
                      EventPublisher events, RuntimeConfig config, ObjectMapper json, Tracer tracer,
                      TurnMetrics metrics, ContentCapture capture) {
        this.capture = capture;
        this.sessions = sessions;
        this.agents = agents;
        this.window = window;
        this.gateway = gateway;
        this.catalog = catalog;
        this.arguments = arguments;
        this.slots = slots;
        this.approvals = approvals;
        this.events = events;
        this.config = config;
        this.json = json;
        this.tracer = tracer;
        this.metrics = metrics;
    }

    /**
     * Runs the turn the runner has just begun ({@code claimed}: see {@link SessionRepository#claimNext}), or taken up
     * after a runner that stopped, until it ends or pauses for approvals. Every write carries the token of the
     * runner's lease on the session. The turn is one span ({@code invoke_agent <name>}) in the session's trace
     * ({@link SessionTraces}), linked to {@code parent} (the command's); its model and tool calls are children.
     * Never fails; gives what the runner does next with the session.
     */
    public Uni<Ran> run(UUID sessionId, SessionRepository.Claimed claimed, Context parent) {
        UUID turnId = claimed.turnId();
        SessionRepository.Begun begun = claimed.begun();
        Run run = new Run(sessionId, turnId, begun, parent, claimed);
        running.put(turnId, run);
        run.feed(new TurnInput.Begun(begun.resumed(), begun.attempts(), begun.cancelRequested(), begun.refused()));
        String cancelled = unmatchedCancels.asMap().remove(turnId);
        if (cancelled != null) {
            run.feed(new TurnInput.CancelRequested(cancelled));
        }
        return Uni.createFrom().completionStage(run.done).onTermination().invoke(() -> {
            running.remove(turnId);
            run.stopWork();
            run.endSpan();
        }).map(x -> new Ran(run.lost, run.unpublished, run.idleAt))
                .onFailure().invoke(e -> run.inTurn(() -> LOG.errorf(e, "could not run turn %s of session %s", turnId,
                        sessionId)))
                // not again at once: the lease runs out, and the recovery sweep takes the session up
                .onFailure().recoverWithItem(new Ran(true, false, null));
    }

    /**
     * What a runner does with the session once a turn has run. {@code lost}: nothing, another runner has the session
     * (or the run failed: its lease runs out and the recovery sweep takes the session up). {@code unpublished}: the
     * turn's end is committed but could not be published: it must be published before the session goes on or is let
     * go. {@code idleAt}: the turn ended or paused, its end is out and no other turn waited: the session may be let
     * go, unless a claim comes first, at this seq. Else: claim the session's next turn at once.
     */
    public record Ran(boolean lost, boolean unpublished, Long idleAt) {
    }

    /**
     * Stops the turn if it runs here (gives whether it does): its model call and tools are cancelled and it ends
     * {@code cancelled}. A turn running on another replica hears of it on {@code agent.cancels}
     * ({@link io.switchboard.runtime.messaging.TurnCancels}), else of its {@code cancel_requested} flag when that
     * runner renews its leases ({@link SessionLeases}), or when it begins.
     */
    public boolean cancel(UUID turnId, String reason) {
        Run run = running.get(turnId);
        if (run == null) {
            unmatchedCancels.put(turnId, reason);
            run = running.get(turnId);
            // registered meanwhile: whichever side takes the reason out feeds it, once
            if (run == null || unmatchedCancels.asMap().remove(turnId) == null) {
                return false;
            }
        }
        run.feed(new TurnInput.CancelRequested(reason));
        return true;
    }

    /** Turns running here now. */
    public int running() {
        return running.size();
    }

    /**
     * Stops every turn running here at its last committed step, as a runner that died would leave it (without a
     * word more; what streamed since is void, {@code TurnResumed}): for a replica that is stopping. Gives how many.
     */
    public int stopAll() {
        List<Run> runs = List.copyOf(running.values());
        runs.forEach(Run::stopHere);
        return runs.size();
    }

    /** One turn being run: the machine's state, and the work it asked for. */
    private final class Run {
        final UUID sessionId;
        final UUID turnId;
        final Span span;
        final Context trace;
        final int attempt;
        /** When this runner began the turn (or took it up again). */
        final long startedNanos = System.nanoTime();
        /** The token of the runner's lease, carried by every write. */
        final long fence;
        /** How the runner took the session and began the turn (where its user message joined, if it did now). */
        final SessionRepository.Claimed claimed;
        /** Another runner took the session over: this one stopped at its write. */
        volatile boolean lost;
        /** The turn's end was committed but could not be published. */
        volatile boolean unpublished;
        /** The turn ended or paused, its end is published and no other turn waits: the seq its events stand at. */
        volatile Long idleAt;
        /** Model calls made since the last journal write, recorded with the next one (for the debugger). */
        private final Queue<ContextRepository.ModelCall> unrecorded = new ConcurrentLinkedQueue<>();
        /** Completes when the turn has ended or paused, or the lease was lost. */
        final CompletableFuture<Void> done = new CompletableFuture<>();

        /** Inputs not stepped yet: one thread steps at a time, in arrival order (see {@link #feed}). */
        private final Queue<TurnInput> inbox = new ConcurrentLinkedQueue<>();
        private final AtomicInteger pending = new AtomicInteger();
        private TurnState state;
        /** The directives carried out so far, in order; only the stepping thread appends to it. */
        private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
        /** A write failed: nothing after it is carried out; the turn is left to be run again from the journal. */
        private volatile boolean broken;
        /** The machine decided the end: no more work starts (a tool or model call queued behind a write). */
        private volatile boolean ending;
        /** Model calls, tools, approvals being asked, the clock: stopped when the turn ends. */
        private final Set<Cancellable> work = ConcurrentHashMap.newKeySet();

        private final AtomicLong seq;
        /** Taken to number and send an event of the model's stream, and to take the turn's last seq. */
        private final Object seqLock = new Object();
        /** The turn's last seq is taken: no event of the model's stream is sent after it. Guarded by seqLock. */
        private boolean sealed;
        /** The highest seq reserved for this runner in the database; it asks for more before it gets there. */
        private volatile long seqCeiling;
        /** The seq reservation last asked for: done when committed (or failed). */
        private volatile CompletableFuture<Void> reserving = CompletableFuture.completedFuture(null);
        private final AtomicInteger tokenIndex = new AtomicInteger();
        private volatile Agent agent;
        /** The agent or its organization captures content: spans carry what calls were sent and answered. */
        private volatile boolean captureContent;
        private volatile ToolCatalog.Toolbox toolbox;
        private volatile Conversation conversation;
        /** At most {@code runtime.tools.max-parallel} of the turn's calls at once. */
        private final ToolSlots turnSlots = new ToolSlots(config.tools().maxParallel());
        private volatile String failureCode;

        Run(UUID sessionId, UUID turnId, SessionRepository.Begun begun, Context parent,
            SessionRepository.Claimed claimed) {
            this.sessionId = sessionId;
            this.fence = claimed.fence();
            this.claimed = claimed;
            this.turnId = turnId;
            this.attempt = begun.attempts();
            this.seq = new AtomicLong(begun.seqBase());
            this.seqCeiling = begun.seqBase() + SEQ_BLOCK;
            this.state = TurnState.of(sessionId, turnId);
            // the session's trace holds all its turns; the command that started this one is a link
            SpanBuilder builder = tracer.spanBuilder("invoke_agent").setParent(SessionTraces.of(sessionId));
            SpanContext command = Span.fromContext(parent).getSpanContext();
            if (command.isValid()) {
                builder.addLink(command);
            }
            this.span = builder.setSpanKind(SpanKind.INTERNAL)
                    .setAttribute("gen_ai.operation.name", "invoke_agent")
                    .setAttribute("gen_ai.conversation.id", sessionId.toString())
                    .setAttribute("switchboard.turn.id", turnId.toString())
                    .setAttribute("switchboard.turn.attempt", begun.attempts()).startSpan();
            this.trace = Context.root().with(span);
        }

        /** Logs as part of the turn: the line carries its trace, session and turn ids (MDC; JSON logs show them). */
        void inTurn(Runnable line) {
            SessionLogs.log(sessionId.toString(), turnId.toString(), line);
        }

        /**
         * Steps the machine with {@code input} and carries out its directives. Inputs come from any thread (a tool's
         * end, a cancel); whoever finds the inbox idle steps, the others leave their input for it.
         */
        void feed(TurnInput input) {
            inbox.add(input);
            if (pending.getAndIncrement() != 0) {
                return;
            }
            do {
                step(inbox.poll());
            } while (pending.decrementAndGet() != 0);
        }

        private void step(TurnInput input) {
            try {
                TurnMachine.Step step = TurnMachine.step(state, input);
                state = step.state();
                step.directives().forEach(this::carryOut);
            } catch (RuntimeException bug) {
                inTurn(() -> LOG.errorf(bug, "turn %s of session %s failed on %s", turnId, sessionId, input));
                if (input instanceof Crashed) {
                    done.complete(null); // left running: its runner takes it up again from the journal
                } else {
                    feed(new Crashed(message(bug)));
                }
            }
        }

        private void carryOut(Directive directive) {
            if (directive instanceof Directive.Load) {
                start(this::load);
            } else if (directive instanceof Directive.Announce announce) {
                then(() -> events.fireAndForget(announce.resumed()
                        ? TurnResumed.of(session(), turn(), nextSeq(), announce.attempt())
                        : TurnStarted.of(session(), turn(), nextSeq(), announce.userText(),
                                agent == null ? null : agent.version(), agent == null ? null : agent.model())));
            } else if (directive instanceof Directive.StartClock clock) {
                work.add(Uni.createFrom().voidItem().onItem().delayIt().by(clock.limit()).subscribe()
                        .with(x -> feed(new TurnInput.TimedOut())));
            } else if (directive instanceof Directive.CallModel call) {
                then(() -> start(() -> callModel(call.round())));
            } else if (directive instanceof Directive.Record record) {
                conversation.add(record.message());
                write(() -> sessions.append(sessionId, turnId, stored(record.message()), takeUnrecorded(), fence));
            } else if (directive instanceof Directive.ToolStarted started) {
                ToolCall call = started.call();
                then(() -> events.fireAndForget(ToolCallStarted.of(session(), turn(), nextSeq(), call.id(),
                        call.name(), call.arguments())));
            } else if (directive instanceof Directive.RunTool tool) {
                then(() -> start(() -> runTool(tool)));
            } else if (directive instanceof Directive.ToolEnded ended) {
                ToolCall call = ended.call();
                then(() -> events.fireAndForget(ToolCallFinished.of(session(), turn(), nextSeq(), call.id(),
                        call.name(), ended.result(), ended.error())));
            } else if (directive instanceof Directive.AskApproval ask) {
                then(() -> start(() -> askApproval(ask.call())));
            } else if (directive instanceof Directive.ApprovalAsked asked) {
                ToolCall call = asked.call();
                // the approval is committed: sent until the broker has it, as a turn's end; what comes after it
                // (the pause that lets the session go, later events) waits, so it is neither lost nor overtaken
                inOrder(() -> events.publishCommitted(ApprovalRequested.of(session(), turn(), nextSeq(),
                        asked.approvalId(), call.id(), call.name(), call.arguments())), e -> inTurn(() -> LOG.warnf(
                        "could not tell the stream of approval %s (it is listed with the session's approvals): %s",
                        asked.approvalId(), message(e))));
            } else if (directive instanceof Directive.Pause) {
                write(this::pause);
            } else if (directive instanceof Directive.Finish finish) {
                ending = true;
                stopWork(); // a cancelled or timed-out turn's model call and tools stop now
                tail = tail.exceptionally(e -> null).thenCompose(x -> {
                    stopWork(); // and whatever started before the end was decided
                    return broken ? CompletableFuture.<Void>completedFuture(null)
                            : finish(finish).subscribeAsCompletionStage();
                }).whenComplete((x, e) -> done.complete(null));
            }
        }

        /** Carries {@code action} out once every directive before it is. */
        private void then(Runnable action) {
            tail = tail.thenRun(() -> {
                if (broken) {
                    return;
                }
                try {
                    action.run();
                } catch (RuntimeException e) {
                    inTurn(() -> LOG.errorf(e, "turn %s of session %s failed", turnId, sessionId));
                    feed(new Crashed(message(e)));
                }
            });
        }

        /** Commits {@code write} once every directive before it is; the next directive waits for it. */
        private void write(Supplier<Uni<Void>> write) {
            inOrder(write, e -> {
                broken = true;
                if (!leaseLost(e)) {
                    // what this runner holds in memory is ahead of the journal now: it must not end the turn from it;
                    // the turn is run again from what was stored
                    inTurn(() -> LOG.warnf("turn %s of session %s stops at a write that failed (it is run again"
                            + " from its journal): %s", turnId, sessionId, message(e)));
                }
                stopHere();
            });
        }

        /** Runs {@code step} once every directive before it is done; the next directive waits for it. */
        private void inOrder(Supplier<Uni<Void>> step, Consumer<Throwable> onFailure) {
            tail = tail.thenCompose(x -> broken ? CompletableFuture.completedFuture(null)
                    : Uni.createFrom().deferred(step::get).subscribeAsCompletionStage().exceptionally(e -> {
                        onFailure.accept(e);
                        return null;
                    }));
        }

        /** Whether {@code failure} is the refusal of a write whose lease is another runner's now (and notes it). */
        private boolean leaseLost(Throwable failure) {
            Throwable cause = unwrapped(failure);
            if (!(cause instanceof SessionRepository.LeaseLost)) {
                return false;
            }
            inTurn(() -> LOG.warnf("turn %s of session %s stops here: %s", turnId, sessionId, cause.getMessage()));
            lost = true;
            return true;
        }

        /** Starts long work; its end (or its failure, as a crash) comes back as an input. */
        private void start(Supplier<Uni<? extends TurnInput>> work) {
            if (ending) {
                return;
            }
            this.work.add(Uni.createFrom().<TurnInput>deferred(work::get).subscribe().with(this::feed, failure -> {
                if (leaseLost(failure)) {
                    stopHere(); // a write of its work (a context snapshot) was refused: another runner has the turn
                    return;
                }
                inTurn(() -> LOG.errorf(failure, "turn %s of session %s failed", turnId, sessionId));
                feed(new Crashed(message(failure)));
            }));
        }

        /** Stops the run without a word more: the turn goes on from its journal (this runner's or another's). */
        void stopHere() {
            feed(new TurnInput.Stopped());
            stopWork();
            done.complete(null);
        }

        void stopWork() {
            work.forEach(Cancellable::cancel);
        }

        void endSpan() {
            if (failureCode != null) {
                span.setAttribute("error.type", failureCode);
                span.setStatus(StatusCode.ERROR, failureCode);
            }
            span.end();
        }

        /**
         * Reads the agent, its tools and the conversation (from its newest context snapshot on: a long session is not
         * replayed whole), or goes on from the conversation this runner kept at the end of the session's last turn
         * when nothing can have changed it since ({@link KeptConversations}).
         */
        private Uni<TurnInput.Loaded> load() {
            Conversation known = kept.take(sessionId, claimed);
            return agents.runsOn(sessionId).flatMap(found -> catalog.of(found).flatMap(tools -> {
                if (known != null) {
                    known.add(new ChatMessage("user", claimed.userText(), List.of(), null));
                    known.markTurnStart();
                    return Uni.createFrom().item(loaded(found, tools, known));
                }
                return sessions.history(sessionId).map(history -> {
                    ContextRepository.Snapshot snapshot = history.snapshot();
                    Conversation read = new Conversation(history.messages().get(0).position(),
                            snapshot == null ? -1 : snapshot.throughPosition(),
                            snapshot == null ? null : snapshot.summary());
                    for (StoredMessage m : history.messages()) {
                        read.add(toChatMessage(m));
                        if (m.turnId().equals(turnId) && read.thisTurn().isEmpty()) {
                            read.markTurnStart();
                        }
                    }
                    return loaded(found, tools, read);
                });
            }));
        }

        private TurnInput.Loaded loaded(Agent found, ToolCatalog.Toolbox tools, Conversation loaded) {
            agent = found;
            captureContent = found.captureContent() || capture.of(found.orgId());
            toolbox = tools;
            conversation = loaded;
            span.updateName("invoke_agent " + found.name())
                    .setAttribute("switchboard.org.id", found.orgId().toString())
                    .setAttribute("gen_ai.agent.id", found.id().toString())
                    .setAttribute("gen_ai.agent.name", found.name());
            return new TurnInput.Loaded(policy(found, tools), loaded.thisTurn());
        }

        /** The model calls not recorded yet, for the journal write about to be made: they go with it. */
        private List<ContextRepository.ModelCall> takeUnrecorded() {
            List<ContextRepository.ModelCall> calls = new ArrayList<>();
            for (ContextRepository.ModelCall call; (call = unrecorded.poll()) != null; ) {
                calls.add(call);
            }
            return calls;
        }

        /**
         * Asks the model: fits the conversation to the agent's window, notes what is sent (for the debugger: journal
         * positions, not a copy; recorded with the turn's next journal write), then streams the answer as
         * {@code TokenDelta} events.
         */
        private Uni<TurnInput> callModel(int round) {
            String requestId = turnId + "/" + round;
            return window.prompt(agent, sessionId, turnId, conversation, fence, trace)
                    .invoke(prompt -> unrecorded.add(new ContextRepository.ModelCall(requestId, turnId, agent.model(),
                            prompt.snapshotPosition(), prompt.firstPosition(), prompt.lastPosition(), prompt.tokens(),
                            Instant.now())))
                    .flatMap(prompt -> stream(LlmRequest.of(requestId, session(), turn(), agent.model(),
                            prompt.messages(), toolbox.specs()).forAgent(agent.id().toString())
                            .withSettings(settings(agent, prompt.messages()))
                            .withCaptureContent(captureContent)
                            .forOrg(agent.orgId().toString()), true))
                    .map(reply -> (TurnInput) new TurnInput.ModelReplied(reply));
        }

        /**
         * A reply lost with the gateway replica serving it (silent for {@code switchboard.llm.reply-silence} once
         * Kafka took the request) is asked once more, under a new request id; one that starts over (read again by
         * another replica) is taken from its new start.
         * Either way what streamed of it is void ({@code TurnResumed}), as after a runner's crash. A request Kafka
         * did not take (the broker away) is sent again every second until it does, within the turn's time limit.
         */
        private Uni<LlmOutcome> stream(LlmRequest request, boolean mayAskAgain) {
            return ModelCalls.untilTaken(() -> attempt(request, mayAskAgain), failure -> inTurn(() -> LOG.warnf(
                    "model call %s could not be sent (%s): sending it again every second until Kafka takes it",
                    request.requestId(), failure.getMessage())));
        }

        private Uni<LlmOutcome> attempt(LlmRequest request, boolean mayAskAgain) {
            AtomicReference<ChunkFolder> folder = new AtomicReference<>(new ChunkFolder());
            AtomicBoolean streamed = new AtomicBoolean();
            AtomicBoolean begun = new AtomicBoolean();
            return gateway.stream(request, trace)
                    .onItem().invoke(chunk -> {
                        if (chunk.seq() == 0 && begun.getAndSet(true)) {
                            folder.set(new ChunkFolder());
                            if (streamed.getAndSet(false)) {
                                sendModelEvent(seq -> TurnResumed.of(session(), turn(), seq, attempt));
                            }
                        }
                        folder.get().add(chunk);
                        if (chunk instanceof LlmChunk.TextDelta delta) {
                            streamed.set(true);
                            if (tokenIndex.get() == 0) {
                                metrics.firstToken(System.nanoTime() - startedNanos);
                            }
                            sendModelEvent(seq -> TokenDelta.of(session(), turn(), seq, tokenIndex.getAndIncrement(),
                                    delta.text()));
                        }
                    })
                    .collect().last().map(x -> folder.get().outcome())
                    .onFailure().recoverWithUni(failure -> {
                        if (failure instanceof ModelCalls.NotSent) {
                            return Uni.createFrom().failure(failure); // sent again by stream()
                        }
                        if (mayAskAgain && failure instanceof ModelCalls.ReplyLost) {
                            inTurn(() -> LOG.warnf("the reply to model call %s was lost (%s): asking again",
                                    request.requestId(), failure.getMessage()));
                            if (streamed.get()) {
                                sendModelEvent(seq -> TurnResumed.of(session(), turn(), seq, attempt));
                            }
                            return stream(request.askedAgain(), false);
                        }
                        folder.get().add(new LlmChunk.Failed(request.requestId(), -1, "gateway_unavailable",
                                "no reply from llm-gateway: " + failure.getMessage(), true));
                        return Uni.createFrom().item(folder.get().outcome());
                    });
        }

        /**
         * Runs the tool within the turn's and the runtime's bounds. A call the tool rejects (bad arguments, an
         * address it may not reach) is an error for the model to hear; a tool that breaks or outlasts its time fails
         * the turn.
         */
        private Uni<TurnInput> runTool(Directive.RunTool run) {
            ToolCall call = run.call();
            Tool tool = toolbox.find(call.name());
            Duration timeout = tool.timeout().orElse(config.tools().timeout());
            Span toolSpan = tracer.spanBuilder("execute_tool " + call.name()).setParent(trace)
                    .setSpanKind(SpanKind.INTERNAL).setAttribute("gen_ai.operation.name", "execute_tool")
                    .setAttribute("gen_ai.tool.name", call.name()).setAttribute("gen_ai.tool.call.id", call.id())
                    .setAttribute("gen_ai.tool.type", "function")
                    .setAttribute("gen_ai.conversation.id", sessionId.toString())
                    .setAttribute("switchboard.org.id", agent.orgId().toString())
                    .setAttribute("switchboard.turn.id", turnId.toString())
                    .setAttribute("switchboard.tool.idempotency_key", run.idempotencyKey()).startSpan();
            if (captureContent) {
                toolSpan.setAttribute("gen_ai.tool.call.arguments", call.arguments());
            }
            if (tool instanceof SubAgentTool) {
                toolSpan.setAttribute("switchboard.sub_session.id",
                        SubAgentTool.childSession(run.idempotencyKey()).toString());
            }
            ToolContext context = new ToolContext(run.idempotencyKey(), agent.httpAllowedHosts(), sessionId);
            return turnSlots.run(() -> slots.run(() -> tool.call(call.arguments(), context)
                            .ifNoItem().after(timeout).failWith(TimeoutException::new)))
                    .<TurnInput>map(result -> {
                        metrics.toolCalled(call.name(), "ok");
                        if (captureContent) {
                            toolSpan.setAttribute("gen_ai.tool.call.result", result);
                        }
                        return new TurnInput.ToolFinished(call.id(), result, false, null);
                    })
                    .onFailure(Tool.Rejected.class).recoverWithItem(rejected -> {
                        metrics.toolCalled(call.name(), "rejected");
                        toolSpan.setAttribute("error.type", "tool_rejected");
                        return new TurnInput.ToolFinished(call.id(), rejected.getMessage(), true, null);
                    })
                    .onFailure().recoverWithItem(failure -> {
                        boolean late = failure instanceof TimeoutException;
                        String reason = late ? "tool " + call.name() + " did not answer within " + timeout
                                : "tool " + call.name() + " failed: " + failure.getMessage();
                        metrics.toolCalled(call.name(), late ? "timeout" : "error");
                        toolSpan.setAttribute("error.type", late ? "timeout" : "tool_error");
                        toolSpan.setStatus(StatusCode.ERROR, reason);
                        return new TurnInput.ToolFinished(call.id(), reason, true, reason);
                    })
                    .onTermination().invoke(toolSpan::end);
        }

        /** Asks operators about the call (announcing it), or gives their decision when they made it before. */
        private Uni<TurnInput> askApproval(ToolCall call) {
            return approvals.request(sessionId, turnId, call.id(), call.name(), call.arguments())
                    .flatMap(approval -> switch (approval.status()) {
                        case Approval.APPROVED -> Uni.createFrom().<TurnInput>item(
                                new TurnInput.ApprovalDecided(call.id(), true, null));
                        case Approval.DENIED -> Uni.createFrom().<TurnInput>item(
                                new TurnInput.ApprovalDecided(call.id(), false, approval.reason()));
                        default -> Uni.createFrom().<TurnInput>item(
                                new TurnInput.ApprovalPending(call.id(), approval.id().toString()));
                    });
        }

        /**
         * The turn waits for operators ({@code waiting}) and this runner lets it go; refused if they decided
         * meanwhile, or if a cancel was asked for (then the turn ends here).
         */
        private Uni<Void> pause() {
            long at = seq.get();
            return afterReserving().flatMap(x -> sessions.pause(sessionId, turnId, at, fence)).invoke(outcome -> {
                switch (outcome) {
                    case PAUSED -> {
                        idleAt = at;
                        span.setAttribute("switchboard.turn.paused", true);
                        feed(new TurnInput.Paused());
                        if (!ending) { // else the end queued behind the pause finishes the run
                            done.complete(null);
                        }
                    }
                    case DECIDED -> feed(new TurnInput.PauseRefused());
                    case CANCELLED -> feed(new TurnInput.CancelRequested("cancelled"));
                }
            }).replaceWithVoid();
        }

        /** Commits the turn's end (its last messages, its status), then tells the stream. */
        private Uni<Void> finish(Directive.Finish end) {
            failureCode = end.code();
            metrics.ended(end.status(), System.nanoTime() - startedNanos);
            long last;
            synchronized (seqLock) {
                last = nextSeq();
                sealed = true;
            }
            SessionRepository.Ended ended = new SessionRepository.Ended(end.status(), end.code(), end.reason(), last,
                    end.inputTokens(), end.outputTokens(), end.costUsd());
            return afterReserving().flatMap(x -> sessions.finish(sessionId, turnId,
                            end.messages().stream().map(this::stored).toList(), takeUnrecorded(), ended, fence))
                    .invoke(() -> {
                        if (end.code() != null) {
                            inTurn(() -> LOG.infof("turn %s of session %s ended %s (%s): %s", turnId, sessionId,
                                    end.status(), end.code(), end.reason()));
                        }
                        Conversation ending = conversation;
                        if (ending != null) { // the session's next turn here goes on from it
                            end.messages().forEach(ending::add);
                            kept.keep(sessionId, fence, ending);
                        }
                    })
                    .call(queued -> events.publishCommitted(endEvent(sessionId, turnId, ended, end.answer()))
                            .onFailure().invoke(e -> unpublished = true))
                    .invoke(queued -> idleAt = queued ? null : last)
                    .onFailure().invoke(e -> {
                        if (!leaseLost(e)) {
                            inTurn(() -> LOG.errorf(e, "could not end turn %s of session %s", turnId, sessionId));
                        }
                    })
                    .replaceWithVoid().onFailure().recoverWithNull();
        }

        private TurnPolicy policy(Agent agent, ToolCatalog.Toolbox tools) {
            Agent.Limits limits = agent.limits();
            return new TurnPolicy(Set.copyOf(tools.tools().keySet()), Set.copyOf(agent.approvalRequired()),
                    (name, args) -> arguments.problems(tools.find(name), args),
                    limits.maxToolRounds() != null ? limits.maxToolRounds() : config.turn().maxToolRounds(),
                    limits.maxTurnTokens(), config.tools().maxResultChars(),
                    limits.maxTurnSeconds() != null ? Duration.ofSeconds(limits.maxTurnSeconds())
                            : config.turn().timeout(),
                    config.recovery().maxAttempts());
        }

        /**
         * Sends an event of the model's stream, numbered as it is sent, unless the turn's last seq is taken: a token
         * still on its way when the turn ended (a cancel, a timeout) is dropped, never numbered after the end, where
         * the session's next turn numbers its own.
         */
        private void sendModelEvent(LongFunction<AgentEvent> event) {
            synchronized (seqLock) {
                if (!sealed) {
                    events.fireAndForget(event.apply(nextSeq()));
                }
            }
        }

        /**
         * The next event seq of the turn. Seqs come from a block reserved in the database; half-way through it the
         * next block is reserved, well before it is needed, so a runner that takes over never reuses one.
         */
        private long nextSeq() {
            long next = seq.incrementAndGet();
            if (next == seqCeiling - SEQ_BLOCK / 2) {
                long ceiling = seqCeiling + SEQ_BLOCK;
                seqCeiling = ceiling;
                // one after another: one tried again must not commit its lower ceiling after the next one's
                reserving = reserving.thenCompose(x -> triedAgain(() -> sessions.reserveSeqs(sessionId, ceiling, fence))
                        .subscribeAsCompletionStage()).handle((x, e) -> {
                            if (e != null && leaseLost(e)) {
                                stopHere(); // its seqs would run into the new runner's
                            } else if (e != null) {
                                inTurn(() -> LOG.warnf(e, "could not reserve event seqs of session %s in %d tries",
                                        sessionId, RESERVE_TRIES + 1));
                            }
                            return (Void) null;
                        });
            }
            return next;
        }

        /**
         * Once the seq reservation under way (if any) is committed: the end and the pause give the unused seqs back,
         * and a reservation committed after them would leave the session looking claimed again (see
         * {@link SessionRepository#letGo}).
         */
        private Uni<Void> afterReserving() {
            return Uni.createFrom().completionStage(reserving);
        }

        private String session() {
            return sessionId.toString();
        }

        private String turn() {
            return turnId.toString();
        }

        private NewMessage stored(ChatMessage m) {
            return new NewMessage(m.role(), m.content(), m.toolCalls() == null || m.toolCalls().isEmpty() ? null
                    : toJson(m.toolCalls()), m.toolCallId());
        }
    }

    /**
     * Publishes again the end of the session's turn that ended last, under its seq: its runner may have died between
     * committing it and publishing it (readers drop a repeat by seq). For whoever takes over a dead runner's session.
     */
    public Uni<Void> republishLastEnd(UUID sessionId) {
        return sessions.lastEnded(sessionId).flatMap(turn -> {
            if (turn == null) {
                return Uni.createFrom().voidItem();
            }
            SessionRepository.Ended ended = new SessionRepository.Ended(turn.status(), turn.errorCode(),
                    turn.errorReason(), turn.endSeq(), turn.inputTokens(), turn.outputTokens(), turn.costUsd());
            Uni<String> answer = turn.status().equals(Turn.COMPLETED) ? sessions.answerOf(turn.id())
                    : Uni.createFrom().nullItem();
            return answer.flatMap(text -> events.publishCommitted(endEvent(sessionId, turn.id(), ended, text)));
        });
    }

    private static AgentEvent endEvent(UUID sessionId, UUID turnId, SessionRepository.Ended end, String answer) {
        return end.status().equals(Turn.COMPLETED)
                ? TurnCompleted.of(sessionId.toString(), turnId.toString(), end.seq(), answer, end.inputTokens(),
                        end.outputTokens(), end.costUsd())
                : TurnFailed.of(sessionId.toString(), turnId.toString(), end.seq(), end.errorCode(), end.errorReason(),
                        end.costUsd());
    }

    /**
     * A write tried again after a passing failure (a dropped connection, a database restarting), with backoff; a lost
     * lease is not passing. For a seq reservation: the runner has half a block of seqs left before it would send one
     * the database does not hold for it, which a runner taking over would send again.
     */
    static Uni<Void> triedAgain(Supplier<Uni<Void>> write) {
        return Uni.createFrom().deferred(write::get)
                .onFailure(e -> !(unwrapped(e) instanceof SessionRepository.LeaseLost)).retry()
                .withBackOff(Duration.ofMillis(100), Duration.ofSeconds(2)).atMost(RESERVE_TRIES);
    }

    private static Throwable unwrapped(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /** What a failure says, for a turn's error reason and the logs. */
    private static String message(Throwable failure) {
        Throwable cause = unwrapped(failure);
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    private ChatMessage toChatMessage(StoredMessage m) {
        List<ToolCall> calls = List.of();
        if (m.toolCalls() != null) {
            try {
                calls = json.readValue(m.toolCalls(), TOOL_CALLS);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("unreadable tool calls in message " + m.position(), e);
            }
        }
        return new ChatMessage(m.role(), m.content(), calls, m.toolCallId());
    }

    private String toJson(List<ToolCall> calls) {
        try {
            return json.writeValueAsString(calls);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The agent's generation settings for a model call. A tool choice that makes the model call a tool holds until the
     * tools have answered, then the model chooses again (as the OpenAI Agents SDK's {@code reset_tool_choice}): held
     * for the whole turn, it would call tools until the round limit.
     */
    public static GenerationSettings settings(Agent agent, List<ChatMessage> messages) {
        GenerationSettings settings = agent.generation();
        boolean forcing = settings.toolChoice() != null && !settings.toolChoice().mode().equals("none")
                && !settings.toolChoice().mode().equals("auto");
        boolean toolsAnswered = !messages.isEmpty() && "tool".equals(messages.get(messages.size() - 1).role());
        return forcing && toolsAnswered ? settings.withToolChoice(null) : settings;
    }
}

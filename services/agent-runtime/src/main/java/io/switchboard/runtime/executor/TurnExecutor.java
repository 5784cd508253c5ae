package io.switchboard.runtime.executor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.switchboard.contracts.agent.ApprovalRequested;
import io.switchboard.contracts.agent.TokenDelta;
import io.switchboard.contracts.agent.ToolCallFinished;
import io.switchboard.contracts.agent.ToolCallStarted;
import io.switchboard.contracts.agent.TurnCompleted;
import io.switchboard.contracts.agent.TurnFailed;
import io.switchboard.contracts.agent.TurnResumed;
import io.switchboard.contracts.agent.TurnStarted;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.contracts.llm.ToolSpec;
import io.switchboard.runtime.client.GatewayClient;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.context.ContextWindow;
import io.switchboard.runtime.context.Conversation;
import io.switchboard.runtime.decider.ChunkFolder;
import io.switchboard.runtime.decider.Decision;
import io.switchboard.runtime.decider.LlmOutcome;
import io.switchboard.runtime.decider.TurnDecider;
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
import io.switchboard.runtime.tools.DefinedTools;
import io.switchboard.runtime.tools.Tool;
import io.switchboard.runtime.tools.ToolArguments;
import io.switchboard.runtime.tools.ToolContext;
import io.switchboard.runtime.tools.ToolRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Runs a session's turns, one at a time and in order, while it holds the session's lease (one runner per session
 * across replicas). One turn: model call, tool calls, model call ... until the model answers. The decisions come from
 * {@link TurnDecider}; this class only acts on them: it streams the model's text as {@code TokenDelta} events, runs
 * the tools of a step in parallel, commits every step (the model's result, each tool result) before anything depends
 * on it, and ends the turn with exactly one terminal event. A turn whose runner stopped is resumed from its committed
 * steps: a committed model result is reused, a committed tool result is never run again.
 */
@ApplicationScoped
public class TurnExecutor {
    private static final Logger LOG = Logger.getLogger(TurnExecutor.class);
    /** Event seqs reserved at a time (see {@link #nextSeq}). */
    static final int SEQ_BLOCK = 1000;
    private static final TypeReference<List<ToolCall>> TOOL_CALLS = new TypeReference<>() {
    };

    private final SessionRepository sessions;
    private final AgentRepository agents;
    private final GatewayClient gateway;
    private final ToolRegistry tools;
    private final EventPublisher events;
    private final RuntimeConfig config;
    private final ObjectMapper json;
    private final Tracer tracer;
    /** This runner's name in the session leases: one per process, so a restarted replica is a new runner. */
    private final String runnerId = UUID.randomUUID().toString();
    /** Sessions this runner holds the lease of (their leases are renewed while they are here). */
    private final Set<UUID> held = ConcurrentHashMap.newKeySet();
    /** Turns running here, by id: completing one's future cancels the turn. */
    private final Map<UUID, CompletableFuture<String>> stops = new ConcurrentHashMap<>();

    private final ToolSlots slots;
    private final ToolArguments arguments;
    private final ApprovalRepository approvals;
    private final ContextWindow window;
    private final ContextRepository contexts;
    private final DefinedTools definedTools;

    public TurnExecutor(SessionRepository sessions, AgentRepository agents, GatewayClient gateway, ToolRegistry tools,
                        EventPublisher events, RuntimeConfig config, ObjectMapper json, Tracer tracer,
                        ToolSlots slots, ToolArguments arguments, ApprovalRepository approvals, ContextWindow window,
                        ContextRepository contexts, DefinedTools definedTools) {
        this.definedTools = definedTools;
        this.approvals = approvals;
        this.window = window;
        this.contexts = contexts;
        this.slots = slots;
        this.arguments = arguments;
        this.sessions = sessions;
        this.agents = agents;
        this.gateway = gateway;
        this.tools = tools;
        this.events = events;
        this.config = config;
        this.json = json;
        this.tracer = tracer;
    }

    /**
     * Takes the session's lease and runs its unfinished turns, oldest first, until none is left; then lets the lease
     * go. Does nothing when another live runner holds the session (it runs them). {@code parent} is the trace of the
     * command that brought {@code turnId}; other turns run in traces of their own. Never fails.
     */
    public Uni<Void> drain(UUID sessionId, UUID turnId, Context parent) {
        return sessions.claim(sessionId, runnerId, config.recovery().lease()).flatMap(mine -> {
            if (!mine) {
                return Uni.createFrom().voidItem();
            }
            held.add(sessionId);
            return drainHeld(sessionId, turnId, parent)
                    .onTermination().invoke(() -> held.remove(sessionId))
                    .onFailure().call(() -> sessions.release(sessionId, runnerId));
        }).onFailure().invoke(e -> LOG.errorf(e, "could not run the turns of session %s", sessionId))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<Void> drainHeld(UUID sessionId, UUID turnId, Context parent) {
        // a turn waiting for operators holds up the ones after it: the session waits without a runner
        return sessions.nextUnfinished(sessionId).flatMap(turn -> turn == null || turn.status().equals(Turn.WAITING)
                ? sessions.release(sessionId, runnerId)
                : run(sessionId, turn.id(), turn.id().equals(turnId) ? parent : Context.root())
                        .flatMap(x -> drainHeld(sessionId, turnId, parent)));
    }

    /** Renews the leases of the sessions this runner is working on; a replica that stops renewing loses them. */
    @Scheduled(every = "${runtime.recovery.heartbeat:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class) // at shutdown the leases are given back
    Uni<Void> renewLeases() {
        return held.isEmpty() ? Uni.createFrom().voidItem()
                // only the sessions at work here: a lease left behind by a failed release runs out
                : sessions.renew(runnerId, config.recovery().lease(), List.copyOf(held)).replaceWithVoid()
                        .onFailure().invoke(e -> LOG.warn("could not renew session leases", e))
                        .onFailure().recoverWithNull();
    }

    /**
     * Stops the turn if it runs here: its model call and tools are cancelled and it ends {@code cancelled}. A turn
     * running elsewhere sees its {@code cancel_requested} flag before its next model call.
     */
    public void cancel(UUID turnId, String reason) {
        CompletableFuture<String> stop = stops.get(turnId);
        if (stop != null) {
            stop.complete(reason);
        }
    }

    /** On a clean stop, the sessions this runner holds go back at once; their turns resume on the next start. */
    void letGo(@Observes ShutdownEvent event) {
        if (!held.isEmpty()) {
            sessions.releaseAll(runnerId).await().atMost(java.time.Duration.ofSeconds(5));
        }
    }

    /**
     * Runs the turn, or resumes it after a runner that stopped; never fails (failures end the turn with
     * {@code TurnFailed}). The turn is one span ({@code invoke_agent <name>}) in the trace of {@code parent}; its model
     * and tool calls are children.
     */
    Uni<Void> run(UUID sessionId, UUID turnId, Context parent) {
        return sessions.begin(sessionId, turnId, SEQ_BLOCK).flatMap(begun -> {
            if (begun == null) {
                return Uni.createFrom().voidItem(); // finished meanwhile
            }
            Span span = tracer.spanBuilder("invoke_agent").setParent(parent).setSpanKind(SpanKind.INTERNAL)
                    .setAttribute("gen_ai.operation.name", "invoke_agent")
                    .setAttribute("gen_ai.conversation.id", sessionId.toString())
                    .setAttribute("switchboard.turn.id", turnId.toString())
                    .setAttribute("switchboard.turn.attempt", begun.attempts()).startSpan();
            TurnRun run = new TurnRun(sessionId, turnId, begun.seqBase(), begun.attempts(), parent.with(span));
            Uni<Void> turn;
            if (begun.refused() != null) {
                turn = fail(run, List.of(), Turn.BUSY, begun.refused());
            } else if (begun.cancelRequested()) {
                turn = Uni.createFrom().failure(new TurnCancelled("cancelled before it started"));
            } else if (begun.attempts() > config.recovery().maxAttempts()) {
                // its runner crashed on it every time: stop here rather than take the next runner down too
                turn = fail(run, List.of(), "runner_crashed", "the turn's runner stopped " + (begun.attempts() - 1)
                        + " times while running it");
            } else {
                turn = load(run).flatMap(resume -> {
                    // not awaited: the producer keeps a session's events in order
                    events.fireAndForget(begun.resumed()
                            ? TurnResumed.of(run.session(), run.turn(), nextSeq(run), begun.attempts())
                            : TurnStarted.of(run.session(), run.turn(), nextSeq(run), run.userText));
                    // the agent's wall-time limit, known once it is loaded
                    return goOn(run, resume).ifNoItem().after(timeout(run.agent)).failWith(TimeoutException::new);
                });
            }
            CompletableFuture<String> stop = new CompletableFuture<>();
            stops.put(turnId, stop);
            // a cancel wins the race: the turn's model call and tools are cancelled with it
            Uni<Void> stopped = Uni.createFrom().completionStage(stop)
                    .onItem().transformToUni(reason -> Uni.createFrom().failure(new TurnCancelled(reason)));
            return Uni.combine().any().of(turn, stopped)
                    .replaceWithVoid()
                    .onFailure().recoverWithUni(failure -> {
                        if (failure instanceof TurnCancelled cancelled) {
                            return end(run, Turn.CANCELLED, "cancelled", cancelled.getMessage());
                        }
                        boolean timeout = failure instanceof TimeoutException;
                        if (!timeout) {
                            LOG.errorf(failure, "turn %s of session %s failed", turnId, sessionId);
                        }
                        return fail(run, List.of(), timeout ? "turn_timeout" : "internal_error",
                                timeout ? "the turn took longer than " + timeout(run.agent)
                                        : "the runtime hit an error: " + failure.getMessage());
                    })
                    .onTermination().invoke(() -> {
                        stops.remove(turnId);
                        if (run.failureCode != null) {
                            span.setAttribute("error.type", run.failureCode);
                            span.setStatus(StatusCode.ERROR, run.failureCode);
                        }
                        span.end();
                    });
        }).onFailure().invoke(e -> LOG.errorf(e, "could not end turn %s of session %s", turnId, sessionId))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /**
     * Loads the agent and the conversation (from its newest context snapshot on: a long session is not replayed
     * whole); gives where the turn picks up from its committed steps.
     */
    private Uni<TurnDecider.Resume> load(TurnRun run) {
        return agents.ofSession(run.sessionId)
                .call(agent -> definedTools.of(agent).invoke(found -> run.definedTools = found))
                .flatMap(agent -> contexts.latest(run.sessionId).flatMap(snapshot -> sessions.messagesAfter(
                        run.sessionId, snapshot == null ? -1 : snapshot.throughPosition()).map(history -> {
                    run.agent = agent;
                    Span.fromContext(run.trace).updateName("invoke_agent " + agent.name())
                            .setAttribute("gen_ai.agent.id", agent.id().toString())
                            .setAttribute("gen_ai.agent.name", agent.name());
                    Conversation conversation = new Conversation(history.get(0).position(),
                            snapshot == null ? -1 : snapshot.throughPosition(), snapshot == null ? null : snapshot.summary());
                    for (StoredMessage m : history) {
                        conversation.add(toChatMessage(m));
                        if (m.turnId().equals(run.turnId) && conversation.thisTurn().isEmpty()) {
                            conversation.markTurnStart();
                        }
                    }
                    run.conversation = conversation;
                    List<ChatMessage> thisTurn = conversation.thisTurn();
                    run.userText = thisTurn.get(0).content();
                    return TurnDecider.resume(thisTurn);
                })));
    }

    /** Goes on from where the turn stands: the calls still to run, then the next model call. */
    private Uni<Void> goOn(TurnRun run, TurnDecider.Resume resume) {
        return resume.unanswered().isEmpty() ? round(run, resume.round())
                : runCalls(run, resume.unanswered()).flatMap(step -> afterCalls(run, step, resume.round()));
    }

    private Uni<Void> afterCalls(TurnRun run, ToolOutcome step, int nextRound) {
        if (step.failure() != null) {
            return fail(run, List.of(), "tool_failed", step.failure());
        }
        return step.paused() ? pause(run, nextRound) : round(run, nextRound);
    }

    /**
     * The step has calls waiting for operators: the turn pauses ({@code waiting}) and this runner lets it go; a
     * decision puts it back for a runner. Decided meanwhile (between the request and now), it goes on here.
     */
    private Uni<Void> pause(TurnRun run, int nextRound) {
        return Uni.createFrom().completionStage(run.commits).onFailure().recoverWithNull()
                .flatMap(x -> sessions.pause(run.sessionId, run.turnId, run.seq.get()))
                .flatMap(paused -> {
                    if (paused) {
                        Span.fromContext(run.trace).setAttribute("switchboard.turn.paused", true);
                        return Uni.createFrom().voidItem();
                    }
                    return goOn(run, new TurnDecider.Resume(nextRound, unanswered(run)));
                });
    }

    private Uni<Void> round(TurnRun run, int round) {
        // a cancel asked for on another replica reaches this runner here, before the next model call
        return sessions.cancelRequested(run.turnId).flatMap(cancelled -> cancelled
                ? Uni.createFrom().failure(new TurnCancelled("cancelled"))
                : callModel(run, round)).flatMap(outcome -> {
            run.inputTokens += outcome.inputTokens();
            run.outputTokens += outcome.outputTokens();
            Agent.Limits limits = run.agent.limits();
            Decision decision = TurnDecider.afterModelCall(outcome, round,
                    limits.maxToolRounds() != null ? limits.maxToolRounds() : config.turn().maxToolRounds(),
                    allowedTools(run), run.inputTokens + run.outputTokens, limits.maxTurnTokens());
            if (decision instanceof Decision.Answer answer) {
                return complete(run, answer.text());
            }
            if (decision instanceof Decision.Fail fail) {
                List<NewMessage> partial = outcome.text().isEmpty() ? List.of()
                        : List.of(new NewMessage("assistant", outcome.text(), null, null));
                return fail(run, partial, fail.code(), fail.reason());
            }
            return runTools(run, outcome).flatMap(step -> afterCalls(run, step, round + 1));
        });
    }

    /**
     * Fits the conversation to the agent's window, records what is sent (for the debugger: journal positions, not a
     * copy), then streams the model's answer as {@code TokenDelta} events.
     */
    private Uni<LlmOutcome> callModel(TurnRun run, int round) {
        String requestId = run.turnId + "/" + round;
        return window.prompt(run.agent, run.sessionId, run.turnId, run.conversation, run.trace)
                .call(prompt -> contexts.record(run.sessionId, new ContextRepository.ModelCall(requestId, run.turnId,
                        run.agent.model(), prompt.snapshotPosition(), prompt.firstPosition(), prompt.lastPosition(),
                        prompt.tokens(), null)))
                .flatMap(prompt -> stream(run, LlmRequest.of(requestId, run.session(), run.turn(), run.agent.model(),
                        prompt.messages(), specs(run)).forAgent(run.agent.id().toString())
                        .forOrg(run.agent.orgId().toString())))
                .map(outcome -> TurnDecider.withOwnCallIds(outcome, round));
    }

    private Uni<LlmOutcome> stream(TurnRun run, LlmRequest request) {
        return stream(run, request, true);
    }

    /**
     * A reply lost with the gateway replica serving it (silent for {@code reply.timeout}) is asked once more, under a
     * new request id; one that starts over (read again by another replica) is taken from its new start. Either way
     * what streamed of it is void ({@code TurnResumed}), as after a runner's crash.
     */
    private Uni<LlmOutcome> stream(TurnRun run, LlmRequest request, boolean mayAskAgain) {
        AtomicReference<ChunkFolder> folder = new AtomicReference<>(new ChunkFolder());
        AtomicBoolean streamed = new AtomicBoolean();
        AtomicBoolean begun = new AtomicBoolean();
        return gateway.stream(request, run.trace)
                .onItem().invoke(chunk -> {
                    if (chunk.seq() == 0 && begun.getAndSet(true)) {
                        folder.set(new ChunkFolder());
                        if (streamed.getAndSet(false)) {
                            events.fireAndForget(TurnResumed.of(run.session(), run.turn(), nextSeq(run), run.attempt));
                        }
                    }
                    folder.get().add(chunk);
                    if (chunk instanceof LlmChunk.TextDelta delta) {
                        streamed.set(true);
                        events.fireAndForget(TokenDelta.of(run.session(), run.turn(), nextSeq(run),
                                run.tokenIndex.getAndIncrement(), delta.text()));
                    }
                })
                .collect().last().map(x -> folder.get().outcome())
                .onFailure().recoverWithUni(failure -> {
                    if (mayAskAgain && failure instanceof GatewayClient.ReplyLost) {
                        LOG.warnf("the reply to model call %s was lost (%s): asking again", request.requestId(),
                                failure.getMessage());
                        if (streamed.get()) {
                            events.fireAndForget(TurnResumed.of(run.session(), run.turn(), nextSeq(run), run.attempt));
                        }
                        return stream(run, request.withRequestId(request.requestId() + "/again"), false);
                    }
                    folder.get().add(new LlmChunk.Failed(request.requestId(), -1, "gateway_unavailable",
                            "no reply from llm-gateway: " + failure.getMessage(), true));
                    return Uni.createFrom().item(folder.get().outcome());
                });
    }

    /**
     * Commits the model's result, then runs its tool calls; null when all ran, else why a tool failed. Calls the
     * agent may not use are answered with an error for the model.
     */
    private Uni<ToolOutcome> runTools(TurnRun run, LlmOutcome outcome) {
        run.conversation.add(ChatMessage.assistant(outcome.text(), outcome.toolCalls()));
        // committed before any tool runs: a runner that takes the turn over reuses it instead of asking again
        return commit(run, new NewMessage("assistant", outcome.text(), toJson(outcome.toolCalls()), null))
                .flatMap(x -> runCalls(run, outcome.toolCalls()));
    }

    /**
     * Runs the calls in parallel, at most {@code runtime.tools.max-parallel} of this turn at once (and within the
     * runtime-wide bound of {@link ToolSlots}); each result is committed as soon as it is known. Gives why the first
     * failing tool failed, if one did, and whether calls wait for operators.
     */
    private Uni<ToolOutcome> runCalls(TurnRun run, List<ToolCall> calls) {
        Set<String> allowed = allowedTools(run);
        return Multi.createFrom().iterable(calls)
                .onItem().transformToUni(call -> slots.run(() -> runTool(run, call, allowed.contains(call.name()))))
                .merge(config.tools().maxParallel())
                .collect().asList()
                .map(outcomes -> new ToolOutcome(outcomes.stream().map(ToolOutcome::failure).filter(f -> f != null)
                        .findFirst().orElse(null), outcomes.stream().anyMatch(ToolOutcome::paused)));
    }

    /**
     * One tool call's end (or of a step's calls): {@code failure} null when it ran (or was refused or denied, which
     * the model is told); {@code paused} when it waits for an operator's approval.
     */
    private record ToolOutcome(String failure, boolean paused) {
        static final ToolOutcome PAUSED = new ToolOutcome(null, true);
    }

    /** Runs the call, unless the agent's operators must approve it first: then asks them, or acts on their decision. */
    private Uni<ToolOutcome> runTool(TurnRun run, ToolCall call, boolean allowed) {
        Tool tool = allowed ? tools.find(call.name()).orElse(run.definedTools.get(call.name())) : null;
        String invalid = tool == null ? null : arguments.problems(tool, call.arguments());
        if (tool == null || invalid != null || !run.agent.approvalRequired().contains(call.name())) {
            return execute(run, call, tool, invalid, null);
        }
        return approvals.request(run.sessionId, run.turnId, call.id(), call.name(), call.arguments())
                .flatMap(approval -> switch (approval.status()) {
                    case Approval.APPROVED -> execute(run, call, tool, null, null);
                    case Approval.DENIED -> execute(run, call, tool, null, "an operator denied this call"
                            + (approval.reason() == null || approval.reason().isBlank() ? "" : ": " + approval.reason()));
                    default -> events.publish(ApprovalRequested.of(run.session(), run.turn(), nextSeq(run),
                                    approval.id().toString(), call.id(), call.name(), call.arguments()))
                            .replaceWith(ToolOutcome.PAUSED);
                });
    }

    /**
     * Runs the call and commits its result; a refused call ({@code tool} null), invalid arguments or an operator's
     * denial are results too, for the model to hear.
     */
    private Uni<ToolOutcome> execute(TurnRun run, ToolCall call, Tool tool, String invalid, String denied) {
        events.fireAndForget(ToolCallStarted.of(run.session(), run.turn(), nextSeq(run), call.id(), call.name(),
                call.arguments()));
        Span span = tracer.spanBuilder("execute_tool " + call.name()).setParent(run.trace)
                .setSpanKind(SpanKind.INTERNAL).setAttribute("gen_ai.operation.name", "execute_tool")
                .setAttribute("gen_ai.tool.name", call.name()).setAttribute("gen_ai.tool.call.id", call.id())
                .setAttribute("gen_ai.tool.type", "function").startSpan();
        // the same key on every attempt of this step, so a tool that was called before a crash can dedupe
        String idempotencyKey = run.sessionId + "/" + run.turnId + "/" + call.id();
        Uni<String> result = tool == null ? Uni.createFrom().failure(new ToolRefused(call.name()))
                : invalid != null ? Uni.createFrom().failure(new Tool.Rejected(invalid))
                : denied != null ? Uni.createFrom().failure(new Tool.Rejected(denied))
                : tool.call(call.arguments(), new ToolContext(idempotencyKey, run.agent.httpAllowedHosts(),
                        run.sessionId))
                        .ifNoItem().after(toolTimeout(tool)).failWith(TimeoutException::new);
        return result.map(text -> new Finished(limit(text), false, null))
                .onFailure(ToolRefused.class).recoverWithItem(refused -> {
            // the model asked for something this agent may not use: tell it, and let it answer otherwise
            span.setAttribute("error.type", "tool_refused");
            return new Finished(refused.getMessage(), true, null);
        }).onFailure(Tool.Rejected.class).recoverWithItem(rejected -> {
            // bad arguments and the like: the model hears why and may try again
            span.setAttribute("error.type", "tool_rejected");
            return new Finished(rejected.getMessage(), true, null);
        }).onFailure().recoverWithItem(failure -> {
            String reason = failure instanceof TimeoutException
                    ? "tool " + call.name() + " did not answer within " + toolTimeout(tool)
                    : "tool " + call.name() + " failed: " + failure.getMessage();
            span.setAttribute("error.type", failure instanceof TimeoutException ? "timeout" : "tool_error");
            span.setStatus(StatusCode.ERROR, reason);
            return new Finished(reason, true, reason);
        }).onTermination().invoke(span::end)
                .flatMap(finished -> finishTool(run, call, finished)
                        .replaceWith(new ToolOutcome(finished.failure(), false)));
    }

    private record Finished(String result, boolean error, String failure) {
    }

    /** The tools the agent may use: built in, defined by operators, and its sub-agents. */
    private static Set<String> allowedTools(TurnRun run) {
        Set<String> allowed = new HashSet<>(run.agent.tools());
        allowed.addAll(run.definedTools.keySet());
        return allowed;
    }

    private List<ToolSpec> specs(TurnRun run) {
        List<ToolSpec> specs = new ArrayList<>(tools.specs(run.agent.tools()));
        run.definedTools.values().forEach(t -> specs.add(new ToolSpec(t.name(),
                t.description(), t.parameters())));
        return specs;
    }

    private Duration toolTimeout(Tool tool) {
        return tool.timeout().orElse(config.tools().timeout());
    }

    /** The agent's wall-time limit of a turn, or the runtime's. */
    private Duration timeout(Agent agent) {
        Integer seconds = agent == null ? null : agent.limits().maxTurnSeconds();
        return seconds != null ? Duration.ofSeconds(seconds) : config.turn().timeout();
    }

    /** A result past {@code runtime.tools.max-result-chars} is cut there, saying so (it goes into every later prompt). */
    private String limit(String result) {
        int max = config.tools().maxResultChars();
        return result == null || result.length() <= max ? result
                : result.substring(0, max) + "\n[result cut: " + (result.length() - max) + " more characters]";
    }

    /** Commits the tool's result, then tells the stream: a result seen there is never run again. */
    private Uni<Void> finishTool(TurnRun run, ToolCall call, Finished finished) {
        run.conversation.add(ChatMessage.toolResult(call.id(), finished.result()));
        return commit(run, new NewMessage("tool", finished.result(), null, call.id()))
                .invoke(() -> events.fireAndForget(ToolCallFinished.of(run.session(), run.turn(), nextSeq(run),
                        call.id(), call.name(), finished.result(), finished.error())));
    }

    /** Appends a message to the conversation; the turn's commits go one after another, in the order asked. */
    private Uni<Void> commit(TurnRun run, NewMessage message) {
        synchronized (run) {
            CompletableFuture<Void> next = run.commits.thenCompose(x -> sessions.append(run.sessionId, run.turnId,
                    message).subscribeAsCompletionStage());
            run.commits = next.exceptionally(e -> null);
            return Uni.createFrom().completionStage(next);
        }
    }

    private Uni<Void> complete(TurnRun run, String answer) {
        long seq = nextSeq(run);
        return sessions.finish(run.sessionId, run.turnId, List.of(new NewMessage("assistant", answer, null, null)),
                        Turn.COMPLETED, null, null, seq)
                .flatMap(x -> events.publishEnd(TurnCompleted.of(run.session(), run.turn(), seq, answer,
                        run.inputTokens, run.outputTokens)));
    }

    private Uni<Void> fail(TurnRun run, List<NewMessage> partial, String code, String reason) {
        return end(run, Turn.FAILED, code, reason, partial);
    }

    private Uni<Void> end(TurnRun run, String status, String code, String reason) {
        return end(run, status, code, reason, List.of());
    }

    /**
     * Ends the turn without an answer. Commits still on their way land first; tool calls the model made that have no
     * result (the turn was cancelled or timed out while they ran) get one saying so, so the conversation stays one a
     * model accepts (every tool call answered).
     */
    private Uni<Void> end(TurnRun run, String status, String code, String reason, List<NewMessage> partial) {
        run.failureCode = code;
        long seq = nextSeq(run);
        return Uni.createFrom().completionStage(run.commits).onFailure().recoverWithNull()
                .flatMap(x -> {
                    List<NewMessage> closing = new ArrayList<>();
                    for (ToolCall call : unanswered(run)) {
                        closing.add(new NewMessage("tool", "no result: the turn ended (" + code + ") while "
                                + call.name() + " ran", null, call.id()));
                    }
                    closing.addAll(partial);
                    return sessions.finish(run.sessionId, run.turnId, closing, status, code, reason, seq);
                })
                .flatMap(x -> events.publishEnd(TurnFailed.of(run.session(), run.turn(), seq, code, reason)));
    }

    /** The calls of the turn's last model result that have no result in the conversation. */
    private static List<ToolCall> unanswered(TurnRun run) {
        Conversation conversation = run.conversation;
        return conversation == null ? List.of() : TurnDecider.resume(conversation.thisTurn()).unanswered();
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

    /** The state of one turn while it runs. Steps of a turn run one after another, never at once. */
    private static final class TurnRun {
        final UUID sessionId;
        final UUID turnId;
        final AtomicLong seq;
        /** The highest seq reserved for this runner in the database; it asks for more before it gets there. */
        volatile long seqCeiling;
        final AtomicInteger tokenIndex = new AtomicInteger();
        /** The last commit asked for; the next one waits for it. */
        CompletableFuture<Void> commits = CompletableFuture.completedFuture(null);
        /** Null until the turn is loaded. */
        volatile Conversation conversation;
        /** The turn's span, as the parent of its model and tool calls. */
        final Context trace;
        volatile Agent agent;
        /** The agent's tools that are not built in (operators' HTTP tools, sub-agents), by name. */
        volatile Map<String, Tool> definedTools = Map.of();
        volatile String failureCode;
        volatile String userText;
        volatile int inputTokens;
        volatile int outputTokens;
        /** Which runner of the turn this is (1 the first; a resumed turn counts on). */
        final int attempt;

        TurnRun(UUID sessionId, UUID turnId, long seqBase, int attempt, Context trace) {
            this.sessionId = sessionId;
            this.attempt = attempt;
            this.turnId = turnId;
            this.seq = new AtomicLong(seqBase);
            this.seqCeiling = seqBase + SEQ_BLOCK;
            this.trace = trace;
        }

        String session() {
            return sessionId.toString();
        }

        String turn() {
            return turnId.toString();
        }
    }

    /**
     * The next event seq of the turn. Seqs come from a block reserved in the database; half-way through it the next
     * block is reserved, well before it is needed, so a runner that takes over never reuses one.
     */
    private long nextSeq(TurnRun run) {
        long next = run.seq.incrementAndGet();
        if (next == run.seqCeiling - SEQ_BLOCK / 2) {
            long ceiling = run.seqCeiling + SEQ_BLOCK;
            run.seqCeiling = ceiling;
            sessions.reserveSeqs(run.sessionId, ceiling).subscribe().with(x -> { },
                    e -> LOG.warnf(e, "could not reserve event seqs of session %s", run.sessionId));
        }
        return next;
    }

    /** Why a turn stopped early: it was cancelled. */
    private static final class TurnCancelled extends RuntimeException {
        TurnCancelled(String reason) {
            super(reason, null, false, false);
        }
    }

    private static final class ToolRefused extends RuntimeException {
        ToolRefused(String tool) {
            super("tool " + tool + " is not available to this agent", null, false, false);
        }
    }
}

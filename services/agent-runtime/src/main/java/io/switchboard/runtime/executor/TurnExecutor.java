package io.switchboard.runtime.executor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.switchboard.contracts.agent.TokenDelta;
import io.switchboard.contracts.agent.ToolCallFinished;
import io.switchboard.contracts.agent.ToolCallStarted;
import io.switchboard.contracts.agent.TurnCompleted;
import io.switchboard.contracts.agent.TurnFailed;
import io.switchboard.contracts.agent.TurnStarted;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.runtime.client.GatewayClient;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.decider.ChunkFolder;
import io.switchboard.runtime.decider.Decision;
import io.switchboard.runtime.decider.LlmOutcome;
import io.switchboard.runtime.decider.TurnDecider;
import io.switchboard.runtime.messaging.EventPublisher;
import io.switchboard.runtime.repository.Agent;
import io.switchboard.runtime.repository.AgentRepository;
import io.switchboard.runtime.repository.SessionRepository;
import io.switchboard.runtime.repository.SessionRepository.NewMessage;
import io.switchboard.runtime.repository.StoredMessage;
import io.switchboard.runtime.repository.Turn;
import io.switchboard.runtime.tools.ToolRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Carries out one turn: model call, tool calls, model call ... until the model answers. The decisions come from
 * {@link TurnDecider}; this class only acts on them: it streams the model's text as {@code TokenDelta} events, runs
 * tools, journals every step before the next depends on it, and ends the turn with exactly one terminal event.
 */
@ApplicationScoped
public class TurnExecutor {
    private static final Logger LOG = Logger.getLogger(TurnExecutor.class);
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

    public TurnExecutor(SessionRepository sessions, AgentRepository agents, GatewayClient gateway, ToolRegistry tools,
                        EventPublisher events, RuntimeConfig config, ObjectMapper json, Tracer tracer) {
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
     * Runs the turn if it is still pending; never fails (failures end the turn with {@code TurnFailed}). The turn is
     * one span ({@code invoke_agent <name>}) in the trace of {@code parent}; its model and tool calls are children.
     */
    public Uni<Void> run(UUID sessionId, UUID turnId, Context parent) {
        return sessions.start(sessionId, turnId).flatMap(lastSeq -> {
            if (lastSeq == null) {
                return Uni.createFrom().voidItem(); // already run, or running elsewhere
            }
            Span span = tracer.spanBuilder("invoke_agent").setParent(parent).setSpanKind(SpanKind.INTERNAL)
                    .setAttribute("gen_ai.operation.name", "invoke_agent")
                    .setAttribute("gen_ai.conversation.id", sessionId.toString())
                    .setAttribute("switchboard.turn.id", turnId.toString()).startSpan();
            TurnRun run = new TurnRun(sessionId, turnId, lastSeq, parent.with(span));
            return load(run)
                    .flatMap(x -> events.publish(TurnStarted.of(run.session(), run.turn(), run.nextSeq(),
                            run.userText)))
                    .flatMap(x -> round(run, 0))
                    .ifNoItem().after(config.turn().timeout()).failWith(TimeoutException::new)
                    .onFailure().recoverWithUni(failure -> {
                        boolean timeout = failure instanceof TimeoutException;
                        if (!timeout) {
                            LOG.errorf(failure, "turn %s of session %s failed", turnId, sessionId);
                        }
                        return fail(run, List.of(), timeout ? "turn_timeout" : "internal_error",
                                timeout ? "the turn took longer than " + config.turn().timeout()
                                        : "the runtime hit an error: " + failure.getMessage());
                    })
                    .onTermination().invoke(() -> {
                        if (run.failureCode != null) {
                            span.setAttribute("error.type", run.failureCode);
                            span.setStatus(StatusCode.ERROR, run.failureCode);
                        }
                        span.end();
                    });
        }).onFailure().invoke(e -> LOG.errorf(e, "could not end turn %s of session %s", turnId, sessionId))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<Void> load(TurnRun run) {
        return sessions.find(run.sessionId).flatMap(session -> agents.find(session.agentId()))
                .flatMap(agent -> sessions.messages(run.sessionId).map(history -> {
                    run.agent = agent;
                    Span.fromContext(run.trace).updateName("invoke_agent " + agent.name())
                            .setAttribute("gen_ai.agent.id", agent.id().toString())
                            .setAttribute("gen_ai.agent.name", agent.name());
                    run.conversation.add(ChatMessage.system(agent.systemPrompt()));
                    for (StoredMessage m : history) {
                        run.conversation.add(toChatMessage(m));
                    }
                    run.userText = history.get(history.size() - 1).content();
                    return null;
                }));
    }

    private Uni<Void> round(TurnRun run, int round) {
        return callModel(run, round).flatMap(outcome -> {
            run.inputTokens += outcome.inputTokens();
            run.outputTokens += outcome.outputTokens();
            Decision decision = TurnDecider.afterModelCall(outcome, round, config.turn().maxToolRounds(),
                    new HashSet<>(run.agent.tools()));
            if (decision instanceof Decision.Answer answer) {
                return complete(run, answer.text());
            }
            if (decision instanceof Decision.Fail fail) {
                List<NewMessage> partial = outcome.text().isEmpty() ? List.of()
                        : List.of(new NewMessage("assistant", outcome.text(), null, null));
                return fail(run, partial, fail.code(), fail.reason());
            }
            Decision.RunTools runTools = (Decision.RunTools) decision;
            return runTools(run, outcome, runTools).flatMap(toolFailure -> toolFailure == null
                    ? round(run, round + 1) : fail(run, List.of(), "tool_failed", toolFailure));
        });
    }

    private Uni<LlmOutcome> callModel(TurnRun run, int round) {
        LlmRequest request = LlmRequest.of(run.turnId + "/" + round, run.session(), run.turn(), run.agent.model(),
                List.copyOf(run.conversation), tools.specs(run.agent.tools())).forAgent(run.agent.id().toString());
        ChunkFolder folder = new ChunkFolder();
        return gateway.stream(request, run.trace)
                .onItem().invoke(chunk -> {
                    folder.add(chunk);
                    if (chunk instanceof LlmChunk.TextDelta delta) {
                        events.fireAndForget(TokenDelta.of(run.session(), run.turn(), run.nextSeq(),
                                run.tokenIndex.getAndIncrement(), delta.text()));
                    }
                })
                .onFailure().recoverWithMulti(failure -> Multi.createFrom().item(new LlmChunk.Failed(
                        request.requestId(), -1, "gateway_unavailable",
                        "no reply from llm-gateway: " + failure.getMessage(), true)).invoke(folder::add))
                .collect().last().map(x -> folder.outcome());
    }

    /** Runs the allowed calls one after another; null when all ran, else why a tool failed. */
    private Uni<String> runTools(TurnRun run, LlmOutcome outcome, Decision.RunTools decision) {
        run.conversation.add(ChatMessage.assistant(outcome.text(), outcome.toolCalls()));
        List<NewMessage> journal = new ArrayList<>();
        journal.add(new NewMessage("assistant", outcome.text(), toJson(outcome.toolCalls()), null));
        Uni<String> chain = Uni.createFrom().nullItem();
        for (ToolCall call : outcome.toolCalls()) {
            boolean allowed = decision.allowed().contains(call);
            chain = chain.flatMap(failure -> failure != null ? Uni.createFrom().item(failure)
                    : runTool(run, call, allowed, journal));
        }
        return chain.flatMap(failure -> sessions.append(run.sessionId, run.turnId, journal).replaceWith(failure));
    }

    private Uni<String> runTool(TurnRun run, ToolCall call, boolean allowed, List<NewMessage> journal) {
        events.fireAndForget(ToolCallStarted.of(run.session(), run.turn(), run.nextSeq(), call.id(), call.name(),
                call.arguments()));
        Span span = tracer.spanBuilder("execute_tool " + call.name()).setParent(run.trace)
                .setSpanKind(SpanKind.INTERNAL).setAttribute("gen_ai.operation.name", "execute_tool")
                .setAttribute("gen_ai.tool.name", call.name()).setAttribute("gen_ai.tool.call.id", call.id())
                .setAttribute("gen_ai.tool.type", "function").startSpan();
        Uni<String> result = allowed && tools.find(call.name()).isPresent()
                ? tools.find(call.name()).get().call(call.arguments())
                        .ifNoItem().after(config.tools().timeout()).failWith(TimeoutException::new)
                : Uni.createFrom().failure(new ToolRefused(call.name()));
        return result.map(text -> {
            finishTool(run, call, text, false, journal);
            return (String) null;
        }).onFailure(ToolRefused.class).recoverWithItem(refused -> {
            // the model asked for something this agent may not use: tell it, and let it answer otherwise
            span.setAttribute("error.type", "tool_refused");
            finishTool(run, call, refused.getMessage(), true, journal);
            return null;
        }).onFailure().recoverWithItem(failure -> {
            String reason = failure instanceof TimeoutException
                    ? "tool " + call.name() + " did not answer within " + config.tools().timeout()
                    : "tool " + call.name() + " failed: " + failure.getMessage();
            span.setAttribute("error.type", failure instanceof TimeoutException ? "timeout" : "tool_error");
            span.setStatus(StatusCode.ERROR, reason);
            finishTool(run, call, reason, true, journal);
            return reason;
        }).onTermination().invoke(span::end);
    }

    private void finishTool(TurnRun run, ToolCall call, String result, boolean error, List<NewMessage> journal) {
        events.fireAndForget(ToolCallFinished.of(run.session(), run.turn(), run.nextSeq(), call.id(), call.name(),
                result, error));
        run.conversation.add(ChatMessage.toolResult(call.id(), result));
        journal.add(new NewMessage("tool", result, null, call.id()));
    }

    private Uni<Void> complete(TurnRun run, String answer) {
        long seq = run.nextSeq();
        return sessions.finish(run.sessionId, run.turnId, List.of(new NewMessage("assistant", answer, null, null)),
                        Turn.COMPLETED, null, null, seq)
                .flatMap(x -> events.publish(TurnCompleted.of(run.session(), run.turn(), seq, answer,
                        run.inputTokens, run.outputTokens)));
    }

    private Uni<Void> fail(TurnRun run, List<NewMessage> partial, String code, String reason) {
        run.failureCode = code;
        long seq = run.nextSeq();
        return sessions.finish(run.sessionId, run.turnId, partial, Turn.FAILED, code, reason, seq)
                .flatMap(x -> events.publish(TurnFailed.of(run.session(), run.turn(), seq, code, reason)));
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
        final AtomicInteger tokenIndex = new AtomicInteger();
        final List<ChatMessage> conversation = new ArrayList<>();
        /** The turn's span, as the parent of its model and tool calls. */
        final Context trace;
        volatile Agent agent;
        volatile String failureCode;
        volatile String userText;
        volatile int inputTokens;
        volatile int outputTokens;

        TurnRun(UUID sessionId, UUID turnId, long lastSeq, Context trace) {
            this.sessionId = sessionId;
            this.turnId = turnId;
            this.seq = new AtomicLong(lastSeq);
            this.trace = trace;
        }

        String session() {
            return sessionId.toString();
        }

        String turn() {
            return turnId.toString();
        }

        long nextSeq() {
            return seq.incrementAndGet();
        }
    }

    private static final class ToolRefused extends RuntimeException {
        ToolRefused(String tool) {
            super("tool " + tool + " is not available to this agent", null, false, false);
        }
    }
}

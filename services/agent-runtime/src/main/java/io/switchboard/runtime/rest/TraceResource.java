package io.switchboard.runtime.rest;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.api.Unavailable;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.messaging.ModelCalls;
import io.switchboard.runtime.client.GatewayClient;
import io.switchboard.runtime.repository.Session;
import io.switchboard.runtime.repository.SessionRepository;
import io.switchboard.runtime.repository.SpanRepository;
import io.switchboard.runtime.repository.StoredMessage;
import io.switchboard.runtime.rest.SessionResource.ModelCallView;
import io.switchboard.runtime.rest.SessionResource.SentMessage;
import io.switchboard.runtime.service.TraceTree;
import io.switchboard.runtime.service.TraceTree.Node;
import io.switchboard.runtime.service.TraceTree.SessionTrace;
import io.switchboard.runtime.tools.ToolCatalog;
import io.switchboard.runtime.turn.ChunkFolder;
import io.switchboard.runtime.turn.LlmOutcome;
import io.switchboard.runtime.turn.TurnRunner;
import io.switchboard.traces.SessionTraces;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The debugger's API: a session's trace as a tree (its turns, their model calls and tool calls, the sessions of the
 * sub-agents they asked), and replaying one model call against another model or system prompt (a playground: the
 * answer is shown, not stored in the session).
 */
@Path("/api/sessions/{id}")
@RolesAllowed(Role.VIEWER_NAME)
public class TraceResource {
    /** How deep sub-agent sessions are followed in one trace. */
    private static final int MAX_SUB_SESSION_DEPTH = 4;
    private static final TypeReference<List<ToolCall>> TOOL_CALLS = new TypeReference<>() {
    };

    private final SessionRepository sessions;
    private final SpanRepository spans;
    private final SentCalls sentCalls;
    private final ToolCatalog catalog;
    private final GatewayClient gateway;
    private final ObjectMapper json;

    public TraceResource(SessionRepository sessions, SpanRepository spans, SentCalls sentCalls, ToolCatalog catalog,
                         GatewayClient gateway, ObjectMapper json) {
        this.sessions = sessions;
        this.spans = spans;
        this.sentCalls = sentCalls;
        this.catalog = catalog;
        this.gateway = gateway;
        this.json = json;
    }

    /**
     * The session's trace: its turns oldest first, a running one included (status {@code running}), with their model
     * calls (attempts, deployments tried, time to first chunk, tokens, cost) and tool calls (arguments and result from
     * the journal, idempotency key), and under a sub-agent's tool call the trace of the session it opened.
     */
    @GET
    @Path("/trace")
    public Uni<SessionTrace> trace(@PathParam("id") String id, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        return SessionResource.existing(sessions, org, Ids.parse(id, "session"))
                .flatMap(session -> trace(org, session, 0));
    }

    private Uni<SessionTrace> trace(UUID org, Session session, int depth) {
        return spans.ofSession(org, session.id())
                .flatMap(found -> sessions.turns(session.id()).map(turns -> TraceTree.withUnendedTurns(found, turns)))
                .flatMap(stored -> sessions.messages(session.id()).map(messages -> {
            Map<String, String> arguments = new HashMap<>();
            Map<String, String> results = new HashMap<>();
            for (StoredMessage m : messages) {
                if (m.toolCallId() != null) { // call ids are the model's: unique within a turn only
                    results.put(m.turnId() + "/" + m.toolCallId(), m.content());
                }
                for (ToolCall call : toolCalls(m.toolCalls())) {
                    arguments.put(m.turnId() + "/" + call.id(), call.arguments());
                }
            }
            TraceTree.addToolContent(stored, arguments, results);
            return TraceTree.build(stored);
        })).flatMap(turns -> withSubSessions(org, session, turns, depth))
                .map(turns -> new SessionTrace(session.id(), SessionTraces.traceId(session.id()), session.agentName(),
                        turns));
    }

    /** The nodes, with the trace of each sub-agent session a tool call among them opened (a child of this one). */
    private Uni<List<Node>> withSubSessions(UUID org, Session parent, List<Node> nodes, int depth) {
        if (nodes.isEmpty()) {
            return Uni.createFrom().item(nodes);
        }
        List<Uni<Node>> each = new ArrayList<>(nodes.size());
        for (Node node : nodes) {
            Uni<Node> withChildren = withSubSessions(org, parent, node.children(), depth).map(node::withChildren);
            Object child = node.attributes().get(TraceTree.SUB_SESSION);
            if (child == null || depth >= MAX_SUB_SESSION_DEPTH) {
                each.add(withChildren);
                continue;
            }
            UUID childId = Ids.orNull(child.toString());
            each.add(withChildren.flatMap(n -> childId == null ? Uni.createFrom().item(n)
                    : sessions.find(org, childId).flatMap(session -> session == null
                            || !parent.id().equals(session.parentSessionId()) ? Uni.createFrom().item(n)
                            : trace(org, session, depth + 1).map(n::withSubSession))));
        }
        return Uni.join().all(each).andFailFast();
    }

    /** Another model and/or system prompt for a model call of the session. */
    public record Replay(String model, String systemPrompt) {
    }

    /**
     * The answer a model gives to exactly what the call was sent (with the agent's tools; tool calls it asks for are
     * shown, not run). {@code error} when it failed.
     */
    public record ReplayAnswer(String requestId, String model, String text, List<ToolCall> toolCalls, int inputTokens,
                               int outputTokens, BigDecimal costUsd, long latencyMs, String finishReason,
                               String error) {
    }

    /**
     * Sends one of the session's model calls again, as it was sent, to {@code model} (default: the call's), with
     * {@code systemPrompt} instead of the agent's if given. Costs like any call (the organization's and agent's), but
     * belongs to no session or turn.
     */
    @POST
    @Path("/calls/{requestId: .+}/replay")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.OPERATOR_NAME)
    public Uni<ReplayAnswer> replay(@PathParam("id") String id, @PathParam("requestId") String requestId,
                                    Replay body, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        if (body != null && body.model() != null && (body.model().isBlank() || body.model().length() > 200)) {
            throw Problem.badRequest("model must be a model or alias name of at most 200 characters");
        }
        return SessionResource.existing(sessions, org, Ids.parse(id, "session")).flatMap(sentCalls::of)
                .flatMap(sent -> {
            ModelCallView call = sent.calls().stream().filter(c -> c.requestId().equals(requestId)).findFirst()
                    .orElseThrow(() -> Problem.notFound("the session has no model call " + requestId));
            List<ChatMessage> messages = new ArrayList<>();
            for (SentMessage m : call.messages()) {
                messages.add(m.role().equals("system") && body != null && body.systemPrompt() != null
                        ? ChatMessage.system(body.systemPrompt())
                        : new ChatMessage(m.role(), m.content(), toolCalls(m.toolCalls()), m.toolCallId()));
            }
            String model = body == null || body.model() == null ? call.model() : body.model().strip();
            String replayId = "replay-" + UUID.randomUUID();
            long started = System.nanoTime();
            return catalog.of(sent.agent()).flatMap(tools -> {
                LlmRequest request = LlmRequest.of(replayId, null, null, model, messages, tools.specs())
                        .forAgent(sent.agent().id().toString()).forOrg(org.toString())
                        .withSettings(TurnRunner.settings(sent.agent(), messages));
                ChunkFolder folder = new ChunkFolder();
                // its own trace: a replay is no part of the session
                return gateway.stream(request, Context.root()).invoke(folder::add).collect().last()
                        .map(x -> folder.outcome())
                        .onFailure(ModelCalls.NotSent.class).transform(e -> Problem.unavailable(
                                "Kafka, which carries the call to llm-gateway, did not take it; try again",
                                Unavailable.RETRY_AFTER));
            }).map(outcome -> answer(replayId, model, outcome, started));
        });
    }

    private static ReplayAnswer answer(String requestId, String model, LlmOutcome outcome, long started) {
        return new ReplayAnswer(requestId, model, outcome.text(), outcome.toolCalls(), outcome.inputTokens(),
                outcome.outputTokens(), outcome.costUsd(), (System.nanoTime() - started) / 1_000_000,
                outcome.finishReason(), outcome.failed() ? outcome.failureCode() + ": " + outcome.failureMessage()
                        : null);
    }

    private List<ToolCall> toolCalls(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        try {
            return json.readValue(text, TOOL_CALLS);
        } catch (Exception e) {
            return List.of();
        }
    }
}

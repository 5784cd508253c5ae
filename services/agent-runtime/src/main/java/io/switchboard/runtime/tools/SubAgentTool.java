package io.switchboard.runtime.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.switchboard.runtime.repository.Agent;
import io.switchboard.runtime.repository.SessionRepository;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Another agent as a tool: a call opens a child session on that agent's published version, runs one turn there with
 * the model's message, and gives back the answer. The child session and its turn are named after the step's
 * idempotency key, so a runner that takes the turn over waits for the same sub-agent turn instead of asking again.
 * Sessions nest at most {@code maxDepth} deep.
 */
public final class SubAgentTool implements Tool {
    private static final Map<String, Object> PARAMETERS = Map.of("type", "object",
            "properties", Map.of("message", Map.of("type", "string", "minLength", 1,
                    "description", "What to ask or tell the agent")),
            "required", java.util.List.of("message"), "additionalProperties", false);

    private final Agent agent;
    private final SessionRepository sessionStore;
    private final AgentTurns turns;
    private final ObjectMapper json;
    private final int maxDepth;
    private final Duration limit;

    public SubAgentTool(Agent agent, SessionRepository sessionStore, AgentTurns turns, ObjectMapper json,
                        int maxDepth, Duration limit) {
        this.agent = agent;
        this.sessionStore = sessionStore;
        this.turns = turns;
        this.json = json;
        this.maxDepth = maxDepth;
        this.limit = limit;
    }

    @Override
    public String name() {
        return agent.toolName();
    }

    @Override
    public String description() {
        return "Ask the agent \u201c" + agent.name() + "\u201d and get its answer." + agent.instructionsForTool();
    }

    @Override
    public Map<String, Object> parameters() {
        return PARAMETERS;
    }

    /** A whole turn of another agent: the asking turn's time, not a tool call's. */
    @Override
    public Optional<Duration> timeout() {
        return Optional.of(limit);
    }

    @Override
    public Uni<String> call(String arguments, ToolContext context) {
        String message;
        try {
            message = json.readTree(arguments).get("message").asText();
        } catch (Exception e) {
            return Uni.createFrom().failure(new Rejected("arguments must be {\"message\": \"...\"}"));
        }
        String problem = turns.checkMessage(message);
        if (problem != null) {
            return Uni.createFrom().failure(new Rejected(problem));
        }
        UUID child = childSession(context.idempotencyKey());
        UUID turn = nameFor("turn", context.idempotencyKey());
        return sessionStore.find(context.sessionId()).flatMap(parent -> {
            if (parent.depth() + 1 > maxDepth) {
                return Uni.createFrom().failure(new Rejected("agents may ask agents only " + maxDepth
                        + " levels deep; answer without " + agent.name()));
            }
            return sessionStore.openChild(child, agent.id(), parent.id(), parent.depth() + 1)
                    .flatMap(opened -> opened ? turns.ask(parent.orgId(), child, turn, message, limit)
                            : Uni.createFrom().failure(new Rejected("the agent " + agent.name() + " is gone")));
        }).map(answer -> {
            if (!answer.completed()) {
                throw new Rejected("the agent " + agent.name() + " failed (" + answer.code() + "): " + answer.text());
            }
            return answer.text();
        });
    }

    /** The session a sub-agent call with this idempotency key opens (for its span, and the trace's sub-sessions). */
    public static UUID childSession(String idempotencyKey) {
        return nameFor("session", idempotencyKey);
    }

    private static UUID nameFor(String what, String idempotencyKey) {
        return UUID.nameUUIDFromBytes(("sub-agent " + what + " " + idempotencyKey).getBytes(StandardCharsets.UTF_8));
    }
}

package io.switchboard.runtime.tools;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.UUID;

/**
 * How sub-agents and the MCP server ask an agent for a turn, without knowing who runs it (the session service does).
 */
public interface AgentTurns {

    /** Why the message is not acceptable, or null. */
    String checkMessage(String text);

    /** Opens a session on the organization's agent at its published version; its id, or null if there is no such agent. */
    Uni<UUID> open(UUID orgId, UUID agentId);

    /**
     * Sends the message as turn {@code turnId} of the session and waits for its end (a second ask with the same turn
     * id is not sent twice: it waits for, or reads, the same turn).
     */
    Uni<Answer> ask(UUID orgId, UUID sessionId, UUID turnId, String text, Duration limit);

    /** How a turn ended: its answer, or ({@code completed} false) its error reason and code. */
    record Answer(boolean completed, String text, String code) {
    }
}

package io.switchboard.contracts.agent;

/**
 * On {@code agent.cancels}, keyed by session id: a turn was asked to stop, and the journal says so already (its
 * {@code cancel_requested} flag). Every agent-runtime replica reads these; the one running the turn stops it at once
 * instead of at its next lease renewal.
 */
public record TurnCancel(String sessionId, String turnId, String reason, int schemaVersion) {
    public static final int SCHEMA_VERSION = 1;

    public static TurnCancel of(String sessionId, String turnId, String reason) {
        return new TurnCancel(sessionId, turnId, reason, SCHEMA_VERSION);
    }
}

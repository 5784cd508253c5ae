package io.switchboard.contracts.agent;

import java.math.BigDecimal;

/**
 * The turn ended without an answer. {@code code} is machine-readable (e.g. {@code rate_limited},
 * {@code provider_error}, {@code stream_interrupted}, {@code tool_loop_limit}); {@code reason} is for people.
 * The session stays usable. {@code costUsd}: what its model calls cost (null: one had no price, or not known).
 */
public record TurnFailed(String sessionId, String turnId, long seq, String code, String reason, BigDecimal costUsd,
                         int schemaVersion) implements AgentEvent {

    public static TurnFailed of(String sessionId, String turnId, long seq, String code, String reason) {
        return of(sessionId, turnId, seq, code, reason, null);
    }

    public static TurnFailed of(String sessionId, String turnId, long seq, String code, String reason,
                                BigDecimal costUsd) {
        return new TurnFailed(sessionId, turnId, seq, code, reason, costUsd, SCHEMA_VERSION);
    }

    @Override
    public String streamName() {
        return "turn_failed";
    }

    @Override
    public boolean endsTurn() {
        return true;
    }
}

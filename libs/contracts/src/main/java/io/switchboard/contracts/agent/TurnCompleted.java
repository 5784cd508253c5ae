package io.switchboard.contracts.agent;

import java.math.BigDecimal;

/**
 * The turn ended with the model's answer, which is persisted before this event is published. {@code costUsd}: what the
 * turn's model calls cost at the gateway's prices; null when one of them has no price (or the cost is not known).
 */
public record TurnCompleted(String sessionId, String turnId, long seq, String text, int inputTokens,
                            int outputTokens, BigDecimal costUsd, int schemaVersion) implements AgentEvent {

    public static TurnCompleted of(String sessionId, String turnId, long seq, String text, int inputTokens,
                                   int outputTokens) {
        return of(sessionId, turnId, seq, text, inputTokens, outputTokens, null);
    }

    public static TurnCompleted of(String sessionId, String turnId, long seq, String text, int inputTokens,
                                   int outputTokens, BigDecimal costUsd) {
        return new TurnCompleted(sessionId, turnId, seq, text, inputTokens, outputTokens, costUsd, SCHEMA_VERSION);
    }

    @Override
    public String streamName() {
        return "turn_completed";
    }

    @Override
    public boolean endsTurn() {
        return true;
    }
}

package io.switchboard.contracts.agent;

/** The turn ended with the model's answer, which is persisted before this event is published. */
public record TurnCompleted(String sessionId, String turnId, long seq, String text, int inputTokens,
                            int outputTokens, int schemaVersion) implements AgentEvent {

    public static TurnCompleted of(String sessionId, String turnId, long seq, String text, int inputTokens,
                                   int outputTokens) {
        return new TurnCompleted(sessionId, turnId, seq, text, inputTokens, outputTokens, SCHEMA_VERSION);
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

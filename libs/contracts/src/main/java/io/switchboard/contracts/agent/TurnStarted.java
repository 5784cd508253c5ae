package io.switchboard.contracts.agent;

/** The runtime took the user's message and started the turn. */
public record TurnStarted(String sessionId, String turnId, long seq, String userText, int schemaVersion)
        implements AgentEvent {

    public static TurnStarted of(String sessionId, String turnId, long seq, String userText) {
        return new TurnStarted(sessionId, turnId, seq, userText, SCHEMA_VERSION);
    }

    @Override
    public String streamName() {
        return "turn_started";
    }
}

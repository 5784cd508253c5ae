package io.switchboard.contracts.agent;

/**
 * The runtime took the user's message and started the turn, on the session's agent version with that version's model
 * (null in events of runtimes before they were told).
 */
public record TurnStarted(String sessionId, String turnId, long seq, String userText, Integer agentVersion,
                          String model, int schemaVersion) implements AgentEvent {

    public static TurnStarted of(String sessionId, String turnId, long seq, String userText) {
        return of(sessionId, turnId, seq, userText, null, null);
    }

    public static TurnStarted of(String sessionId, String turnId, long seq, String userText, Integer agentVersion,
                                 String model) {
        return new TurnStarted(sessionId, turnId, seq, userText, agentVersion, model, SCHEMA_VERSION);
    }

    @Override
    public String streamName() {
        return "turn_started";
    }
}

package io.switchboard.contracts.agent;

/**
 * The turn's runner stopped (it crashed, or its replica went away) and a new one took the turn up from its last
 * committed step, or a model call's reply was lost with the gateway replica serving it and the call is asked again.
 * What was streamed since that step (text of an unfinished model call, tool calls without a result) is void: what
 * follows replaces it. {@code attempt} counts the runners the turn has had, this one included.
 */
public record TurnResumed(String sessionId, String turnId, long seq, int attempt, int schemaVersion)
        implements AgentEvent {

    public static TurnResumed of(String sessionId, String turnId, long seq, int attempt) {
        return new TurnResumed(sessionId, turnId, seq, attempt, SCHEMA_VERSION);
    }

    @Override
    public String streamName() {
        return "turn_resumed";
    }
}

package io.switchboard.contracts.agent;

/** A piece of the answer as the model produced it; {@code index} counts the deltas of one turn from 0. */
public record TokenDelta(String sessionId, String turnId, long seq, int index, String text, int schemaVersion)
        implements AgentEvent {

    public static TokenDelta of(String sessionId, String turnId, long seq, int index, String text) {
        return new TokenDelta(sessionId, turnId, seq, index, text, SCHEMA_VERSION);
    }

    @Override
    public String streamName() {
        return "token";
    }
}

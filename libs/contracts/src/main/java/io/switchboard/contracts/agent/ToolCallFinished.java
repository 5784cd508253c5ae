package io.switchboard.contracts.agent;

/** A tool call ended; {@code error} says whether {@code result} is an error message given back to the model. */
public record ToolCallFinished(String sessionId, String turnId, long seq, String callId, String toolName,
                               String result, boolean error, int schemaVersion) implements AgentEvent {

    public static ToolCallFinished of(String sessionId, String turnId, long seq, String callId, String toolName,
                                      String result, boolean error) {
        return new ToolCallFinished(sessionId, turnId, seq, callId, toolName, result, error, SCHEMA_VERSION);
    }

    @Override
    public String streamName() {
        return "tool_call_finished";
    }
}

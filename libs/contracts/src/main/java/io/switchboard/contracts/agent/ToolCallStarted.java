package io.switchboard.contracts.agent;

/** The model asked for a tool and the runtime is running it; {@code arguments} is a JSON object. */
public record ToolCallStarted(String sessionId, String turnId, long seq, String callId, String toolName,
                              String arguments, int schemaVersion) implements AgentEvent {

    public static ToolCallStarted of(String sessionId, String turnId, long seq, String callId, String toolName,
                                     String arguments) {
        return new ToolCallStarted(sessionId, turnId, seq, callId, toolName, arguments, SCHEMA_VERSION);
    }

    @Override
    public String streamName() {
        return "tool_call_started";
    }
}

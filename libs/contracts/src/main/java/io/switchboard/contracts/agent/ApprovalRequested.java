package io.switchboard.contracts.agent;

/**
 * The model asked for a tool that needs an operator's approval: the turn waits (it holds no runner meanwhile, and
 * survives restarts) until approval {@code approvalId} is decided. Approved, the call runs ({@code tool_call_started}
 * follows); denied, the model is told ({@code tool_call_finished} with {@code error}).
 */
public record ApprovalRequested(String sessionId, String turnId, long seq, String approvalId, String callId,
                                String toolName, String arguments, int schemaVersion) implements AgentEvent {

    public static ApprovalRequested of(String sessionId, String turnId, long seq, String approvalId, String callId,
                                       String toolName, String arguments) {
        return new ApprovalRequested(sessionId, turnId, seq, approvalId, callId, toolName, arguments, SCHEMA_VERSION);
    }

    @Override
    public String streamName() {
        return "approval_requested";
    }
}

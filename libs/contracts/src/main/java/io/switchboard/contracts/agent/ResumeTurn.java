package io.switchboard.contracts.agent;

/**
 * The turn {@code turnId} waited for operators (approvals) and may go on: the session's runner resumes it from its
 * journal. Idempotent: a turn that is not waiting to go on is left as it is.
 */
public record ResumeTurn(String commandId, String orgId, String sessionId, String turnId, int schemaVersion) implements AgentCommand {

    public static ResumeTurn of(String commandId, String orgId, String sessionId, String turnId) {
        return new ResumeTurn(commandId, orgId, sessionId, turnId, SCHEMA_VERSION);
    }
}

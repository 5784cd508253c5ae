package io.switchboard.contracts.agent;

/**
 * Stop the session's unfinished turn {@code turnId}: its model call is closed upstream, its running tools are
 * cancelled, and it ends {@code cancelled}. Idempotent: a finished turn is left as it is.
 */
public record CancelTurn(String commandId, String orgId, String sessionId, String turnId, int schemaVersion) implements AgentCommand {

    public static CancelTurn of(String commandId, String orgId, String sessionId, String turnId) {
        return new CancelTurn(commandId, orgId, sessionId, turnId, SCHEMA_VERSION);
    }
}

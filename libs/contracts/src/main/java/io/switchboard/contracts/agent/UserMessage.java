package io.switchboard.contracts.agent;

/** A user's message; it starts the turn {@code turnId}. Idempotent on {@code turnId}. */
public record UserMessage(String commandId, String orgId, String sessionId, String turnId, String text, int schemaVersion)
        implements AgentCommand {

    public static UserMessage of(String commandId, String orgId, String sessionId, String turnId, String text) {
        return new UserMessage(commandId, orgId, sessionId, turnId, text, SCHEMA_VERSION);
    }
}

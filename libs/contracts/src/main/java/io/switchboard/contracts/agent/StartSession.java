package io.switchboard.contracts.agent;

/** Open a session with the agent's current version. Idempotent on {@code sessionId}. */
public record StartSession(String commandId, String orgId, String sessionId, String agentId, int schemaVersion)
        implements AgentCommand {

    public static StartSession of(String commandId, String orgId, String sessionId, String agentId) {
        return new StartSession(commandId, orgId, sessionId, agentId, SCHEMA_VERSION);
    }
}

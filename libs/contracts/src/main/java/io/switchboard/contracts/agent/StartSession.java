package io.switchboard.contracts.agent;

/** Open a session with the agent's current version. Idempotent on {@code sessionId}. */
public record StartSession(String commandId, String sessionId, String agentId, int schemaVersion)
        implements AgentCommand {

    public static StartSession of(String commandId, String sessionId, String agentId) {
        return new StartSession(commandId, sessionId, agentId, SCHEMA_VERSION);
    }
}

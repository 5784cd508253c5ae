package io.switchboard.contracts.agent;

/**
 * Open a session with the agent's published version, or with {@code agentVersion} when it is set (an eval of a
 * version not published yet). Idempotent on {@code sessionId}.
 */
public record StartSession(String commandId, String orgId, String sessionId, String agentId, Integer agentVersion,
                           int schemaVersion) implements AgentCommand {

    public static StartSession of(String commandId, String orgId, String sessionId, String agentId) {
        return new StartSession(commandId, orgId, sessionId, agentId, null, SCHEMA_VERSION);
    }

    public static StartSession of(String commandId, String orgId, String sessionId, String agentId, int version) {
        return new StartSession(commandId, orgId, sessionId, agentId, version, SCHEMA_VERSION);
    }
}

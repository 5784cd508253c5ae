package io.switchboard.runtime.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.repository.Agent;
import io.switchboard.runtime.repository.AgentRepository;
import io.switchboard.runtime.repository.HttpToolRepository;
import io.switchboard.runtime.repository.SessionRepository;
import io.switchboard.runtime.service.SessionService;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An agent's tools that are not built in, by name: the HTTP tools operators defined that it lists, and the agents it
 * may ask ({@code subAgents}, at their published versions). Looked up when a turn begins.
 */
@ApplicationScoped
public class DefinedTools {
    private final AgentRepository agents;
    private final HttpToolRepository httpTools;
    private final HttpRequestTool http;
    private final Secrets secrets;
    private final SessionRepository sessionStore;
    private final SessionService sessions;
    private final ObjectMapper json;
    private final RuntimeConfig config;

    public DefinedTools(AgentRepository agents, SessionRepository sessionStore, SessionService sessions,
                        ObjectMapper json, RuntimeConfig config, HttpToolRepository httpTools, HttpRequestTool http,
                        Secrets secrets) {
        this.httpTools = httpTools;
        this.http = http;
        this.secrets = secrets;
        this.agents = agents;
        this.sessionStore = sessionStore;
        this.sessions = sessions;
        this.json = json;
        this.config = config;
    }

    /** The agent's defined tools, by tool name; one that was deleted meanwhile is left out. */
    public Uni<Map<String, Tool>> of(Agent agent) {
        return httpTools.find(agent.tools()).flatMap(defined -> agents.find(agent.subAgents()).map(found -> {
            Map<String, Tool> tools = new LinkedHashMap<>();
            defined.forEach(d -> tools.put(d.name(), new OperatorHttpTool(d, http, secrets, json)));
            for (Agent sub : found) {
                tools.put(sub.toolName(), new SubAgentTool(sub, sessionStore, sessions, json,
                        config.subAgents().maxDepth(), config.turn().timeout()));
            }
            return tools;
        }));
    }
}

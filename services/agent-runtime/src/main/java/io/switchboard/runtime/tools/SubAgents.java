package io.switchboard.runtime.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.repository.Agent;
import io.switchboard.runtime.repository.AgentRepository;
import io.switchboard.runtime.repository.SessionRepository;
import io.switchboard.runtime.service.SessionService;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;

/** The agents an agent may ask ({@code subAgents}), as tools by name, at their published versions. */
@ApplicationScoped
public class SubAgents {
    private final AgentRepository agents;
    private final SessionRepository sessionStore;
    private final SessionService sessions;
    private final ObjectMapper json;
    private final RuntimeConfig config;

    public SubAgents(AgentRepository agents, SessionRepository sessionStore, SessionService sessions, ObjectMapper json,
                     RuntimeConfig config) {
        this.agents = agents;
        this.sessionStore = sessionStore;
        this.sessions = sessions;
        this.json = json;
        this.config = config;
    }

    /** The agent's sub-agents as tools, by tool name; one that was deleted meanwhile is left out. */
    public Uni<Map<String, Tool>> of(Agent agent) {
        return agents.find(agent.subAgents()).map(found -> {
            Map<String, Tool> tools = new LinkedHashMap<>();
            for (Agent sub : found) {
                tools.put(sub.toolName(), new SubAgentTool(sub, sessionStore, sessions, json,
                        config.subAgents().maxDepth(), config.turn().timeout()));
            }
            return tools;
        });
    }
}

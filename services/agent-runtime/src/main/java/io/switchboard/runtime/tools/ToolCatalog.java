package io.switchboard.runtime.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.switchboard.contracts.llm.ToolSpec;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.repository.Agent;
import io.switchboard.runtime.repository.AgentRepository;
import io.switchboard.runtime.repository.HttpToolRepository;
import io.switchboard.runtime.repository.McpServerRepository;
import io.switchboard.runtime.repository.SessionRepository;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Every kind of tool an agent version has, in one {@link Toolbox}: the runtime's built-in tools it lists, the HTTP
 * tools operators defined, the tools of external MCP servers ({@code <server>__<tool>}), and the agents it may ask
 * ({@code subAgents}, at their published versions). Looked up when a turn begins; a tool deleted meanwhile is left
 * out, and so are the tools of an MCP server that cannot be reached then.
 */
@ApplicationScoped
public class ToolCatalog {
    private static final Logger LOG = Logger.getLogger(ToolCatalog.class);
    private final AgentRepository agents;
    private final HttpToolRepository httpTools;
    private final HttpRequestTool http;
    private final Secrets secrets;
    private final McpServerRepository mcpServers;
    private final McpServers mcp;
    private final SessionRepository sessionStore;
    private final AgentTurns turns;
    private final ObjectMapper json;
    private final RuntimeConfig config;
    private final ToolRegistry builtIn;

    public ToolCatalog(AgentRepository agents, SessionRepository sessionStore, AgentTurns turns,
                        ObjectMapper json, RuntimeConfig config, HttpToolRepository httpTools, HttpRequestTool http,
                        Secrets secrets, McpServerRepository mcpServers, McpServers mcp, ToolRegistry builtIn) {
        this.builtIn = builtIn;
        this.mcpServers = mcpServers;
        this.mcp = mcp;
        this.httpTools = httpTools;
        this.http = http;
        this.secrets = secrets;
        this.agents = agents;
        this.sessionStore = sessionStore;
        this.turns = turns;
        this.json = json;
        this.config = config;
    }

    /** The tools of the agent (at its version), by name: built-in ones first, in the agent's order. */
    public Uni<Toolbox> of(Agent agent) {
        Map<String, Tool> tools = new LinkedHashMap<>();
        agent.tools().forEach(name -> builtIn.find(name).ifPresent(tool -> tools.put(name, tool)));
        // the names that are neither built in nor an MCP server's: an agent with built-in tools only asks nothing
        List<String> operators = agent.tools().stream()
                .filter(name -> builtIn.find(name).isEmpty() && !name.contains(McpServers.SEPARATOR)).toList();
        return httpTools.find(agent.orgId(), operators)
                .invoke(defined -> defined.forEach(d -> tools.put(d.name(), new OperatorHttpTool(d, http, secrets, json))))
                .flatMap(x -> mcpTools(agent.orgId(), agent.tools())).invoke(found -> found.forEach(t -> tools.put(t.name(), t)))
                .flatMap(x -> agents.find(agent.orgId(), agent.subAgents())).map(found -> {
            for (Agent sub : found) {
                // the asking agent's turn time: a sub-agent's answer is a whole turn
                Integer seconds = agent.limits().maxTurnSeconds();
                tools.put(sub.toolName(), new SubAgentTool(sub, sessionStore, turns, json,
                        config.subAgents().maxDepth(),
                        seconds != null ? Duration.ofSeconds(seconds) : config.turn().timeout()));
            }
            return new Toolbox(tools);
        });
    }

    /** An agent version's tools, by name. */
    public record Toolbox(Map<String, Tool> tools) {
        public Tool find(String name) {
            return tools.get(name);
        }

        public List<ToolSpec> specs() {
            return tools.values().stream().map(t -> new ToolSpec(t.name(), t.description(), t.parameters())).toList();
        }
    }

    /** The MCP servers' tools among {@code names} ({@code <server>__<tool>}). */
    private Uni<List<Tool>> mcpTools(UUID orgId, List<String> names) {
        Map<String, List<String>> byServer = new LinkedHashMap<>();
        for (String name : names) {
            int cut = name.indexOf(McpServers.SEPARATOR);
            if (cut > 0) {
                byServer.computeIfAbsent(name.substring(0, cut), k -> new ArrayList<>())
                        .add(name.substring(cut + McpServers.SEPARATOR.length()));
            }
        }
        if (byServer.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return mcpServers.find(orgId, List.copyOf(byServer.keySet())).flatMap(servers -> {
            List<Uni<List<Tool>>> each = servers.stream().map(server -> mcp.tools(server, byServer.get(server.name()))
                    .onFailure().invoke(e -> LOG.warnf("MCP server %s is unreachable; its tools are left out: %s",
                            server.name(), e.getMessage()))
                    .onFailure().recoverWithItem(List.<Tool>of())).toList();
            return each.isEmpty() ? Uni.createFrom().item(List.<Tool>of())
                    : Uni.join().all(each).andFailFast().map(lists -> lists.stream().flatMap(List::stream).toList());
        });
    }
}

package io.switchboard.runtime.mcp;

import io.quarkiverse.mcp.server.FilterContext;
import io.quarkiverse.mcp.server.Tool;
import io.quarkiverse.mcp.server.ToolFilter;
import io.quarkiverse.mcp.server.ToolManager;
import io.quarkiverse.mcp.server.ToolResponse;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.runtime.Uuids;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.repository.Agent;
import io.switchboard.runtime.repository.AgentRepository;
import io.switchboard.runtime.repository.SessionRepository;
import io.switchboard.runtime.tools.AgentTurns;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The MCP server's tools ({@code /mcp}, Streamable HTTP): every agent, at its published version, is a tool, offered only
 * to callers of its organization (their API token says which; {@link McpGuard}). A call takes a message and optionally
 * the session id a previous call gave, runs one turn exactly as a chat would (through {@code agent.commands}), and
 * answers with the agent's answer and the session id to go on with.
 */
@ApplicationScoped
public class AgentTools implements ToolFilter {
    private static final Logger LOG = Logger.getLogger(AgentTools.class);

    private final ToolManager tools;
    private final AgentRepository agents;
    private final SessionRepository sessionStore;
    private final AgentTurns turns;
    private final RuntimeConfig config;
    private final SecurityIdentity identity;
    /** Agent id -> the tool registered for it (name, the version it describes, its organization). */
    private final Map<UUID, Registered> registered = new ConcurrentHashMap<>();
    /** Tool name -> the organization whose agent it is. */
    private final Map<String, UUID> orgOfTool = new ConcurrentHashMap<>();

    private record Registered(String name, int version, UUID orgId) {
    }

    /** What a call answers, as structured content. */
    public record AgentAnswer(String answer, String sessionId) {
    }

    public AgentTools(ToolManager tools, AgentRepository agents, SessionRepository sessionStore,
                      AgentTurns turns, RuntimeConfig config, SecurityIdentity identity) {
        this.identity = identity;
        this.tools = tools;
        this.agents = agents;
        this.sessionStore = sessionStore;
        this.turns = turns;
        this.config = config;
    }

    /**
     * The one fixed tool: what the server offers. Being there, it also makes the server announce the tools capability
     * before any agent exists (the agents' tools are registered at run time).
     */
    @Tool(name = "list_agents", description = "Lists the agents this server offers as tools: each tool's name, the"
            + " agent's name and its published version.")
    public Uni<String> listAgents() {
        return agents.list(caller().orgId()).map(all -> {
            StringBuilder text = new StringBuilder();
            for (Agent agent : all) {
                text.append(agent.toolName()).append(": ").append(agent.name()).append(" (version ")
                        .append(agent.version()).append(", model ").append(agent.model()).append(")\n");
            }
            return text.length() == 0 ? "No agents yet." : text.toString().strip();
        });
    }

    void onStart(@Observes StartupEvent event) {
        refresh().subscribe().with(x -> { });
    }

    /** Brings the tools in line with the agents' published versions (new, changed, gone); never fails. */
    @Scheduled(every = "${runtime.mcp.refresh-interval:10s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    public Uni<Void> refresh() {
        return agents.listAll().map(all -> {
            sync(all);
            return (Void) null;
        }).onFailure().invoke(e -> LOG.warn("could not refresh the MCP tools; the next refresh will", e))
                .onFailure().recoverWithNull();
    }

    private synchronized void sync(List<Agent> published) {
        Set<UUID> seen = new HashSet<>();
        for (Agent agent : published) {
            seen.add(agent.id());
            Registered current = registered.get(agent.id());
            String name = agent.toolName();
            if (current != null && current.version() == agent.version() && current.name().equals(name)) {
                continue;
            }
            if (current != null) {
                tools.removeTool(current.name());
            }
            orgOfTool.put(name, agent.orgId());
            register(agent, name);
            registered.put(agent.id(), new Registered(name, agent.version(), agent.orgId()));
        }
        registered.keySet().removeIf(id -> {
            if (seen.contains(id)) {
                return false;
            }
            tools.removeTool(registered.get(id).name());
            orgOfTool.remove(registered.get(id).name());
            return true;
        });
    }

    private void register(Agent agent, String name) {
        tools.newTool(name)
                .setTitle(agent.name())
                .setDescription("Ask the agent \u201c" + agent.name() + "\u201d (version " + agent.version()
                        + ") and get its answer." + agent.instructionsForTool()
                        + " Pass the sessionId of an earlier answer to continue that conversation.")
                .addArgument("message", "What to say to the agent", true, String.class)
                .addArgument("sessionId", "The sessionId of an earlier answer, to continue that conversation;"
                        + " leave out to start a new one", false, String.class)
                .setAsyncHandler(args -> ask(agent, (String) args.args().get("message"),
                        (String) args.args().get("sessionId")))
                .register();
    }

    /** Only the caller's organization's agents are listed (and {@code list_agents}, which lists just those). */
    @Override
    public boolean test(ToolManager.ToolInfo tool, FilterContext context) {
        UUID org = orgOfTool.get(tool.name());
        return org == null || org.equals(caller().orgId());
    }

    private Caller caller() {
        return Caller.of(identity);
    }

    private Uni<ToolResponse> ask(Agent agent, String message, String sessionId) {
        Caller caller = caller();
        if (!caller.orgId().equals(agent.orgId())) { // a tool not listed to this caller: as if it did not exist
            return Uni.createFrom().item(ToolResponse.error("no tool for this agent"));
        }
        if (!caller.role().includes(Role.OPERATOR)) {
            return Uni.createFrom().item(ToolResponse.error("your role (" + caller.role().wireName()
                    + ") may not talk to agents: it takes an operator"));
        }
        UUID agentId = agent.id();
        String problem = turns.checkMessage(message);
        if (problem != null) {
            return Uni.createFrom().item(ToolResponse.error(problem));
        }
        Uni<UUID> session;
        if (sessionId == null || sessionId.isBlank()) {
            session = turns.open(caller.orgId(), agentId);
        } else {
            UUID id = Uuids.orNull(sessionId);
            session = id == null ? Uni.createFrom().nullItem() : sessionStore.find(caller.orgId(), id)
                    .map(found -> found != null && found.agentId().equals(agentId) ? found.id() : null);
        }
        return session.flatMap(id -> id == null
                ? Uni.createFrom().item(ToolResponse.error("no session " + sessionId + " with this agent"))
                : turn(caller.orgId(), id, message));
    }

    private Uni<ToolResponse> turn(UUID orgId, UUID sessionId, String message) {
        return turns.ask(orgId, sessionId, UUID.randomUUID(), message, config.turn().timeout().plusSeconds(30))
                .map(answer -> answer.completed()
                        ? ToolResponse.structuredSuccess(new AgentAnswer(answer.text(), sessionId.toString()))
                        : ToolResponse.error("the turn failed (" + answer.code() + "): " + answer.text()
                                + " [sessionId " + sessionId + "]"))
                .onFailure().recoverWithItem(e -> ToolResponse.error("no answer: " + e.getMessage()));
    }

}

package io.switchboard.runtime.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.runtime.mcp.AgentTools;
import io.switchboard.runtime.repository.Agent;
import io.switchboard.runtime.repository.AgentRepository;
import io.switchboard.runtime.repository.HttpToolRepository;
import io.switchboard.runtime.repository.McpServerRepository;
import io.switchboard.runtime.service.PublishGate;
import io.switchboard.runtime.tools.McpServers;
import io.switchboard.runtime.tools.ToolRegistry;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

@Path("/api/agents")
@RolesAllowed(Role.VIEWER_NAME)
public class AgentResource {
    static final int MAX_NAME = 200;
    static final int MAX_SYSTEM_PROMPT = 100_000;

    private final AgentRepository agents;
    private final ToolRegistry tools;
    private final AgentTools mcp;
    private final HttpToolRepository httpTools;
    private final McpServerRepository mcpServers;
    private final PublishGate gate;

    public AgentResource(AgentRepository agents, ToolRegistry tools, AgentTools mcp, HttpToolRepository httpTools,
                         McpServerRepository mcpServers, PublishGate gate) {
        this.mcpServers = mcpServers;
        this.gate = gate;
        this.httpTools = httpTools;
        this.agents = agents;
        this.tools = tools;
        this.mcp = mcp;
    }

    /**
     * The body of {@code POST /api/agents} and {@code PUT /api/agents/{id}}; only {@code name} and {@code model} are
     * required. {@code limits} (null ones: the runtime's), {@code onBusy} ({@code queue}, {@code reject} or
     * {@code interrupt}: what a message does while a turn runs), {@code approvalRequired} (tools whose calls wait
     * for an operator), {@code context} (window in tokens and how to fit it), {@code generation} (how its model calls
     * generate: temperature, output limit, tool choice...), {@code publishGate} (eval suites, by name, every case of
     * which must pass against a version before it is published: checked on a PUT that publishes and on publish, not
     * on the first version). {@code captureContent} (default false) puts what its model and tool calls were sent and
     * answered in their spans. {@code publish} (PUT only, default true) makes the new version the one new sessions
     * get.
     */
    public record CreateAgent(String name, String model, String systemPrompt, List<String> tools,
                              List<String> httpAllowedHosts, Agent.Limits limits, String onBusy,
                              List<String> approvalRequired, Agent.ContextPolicy context, List<String> subAgents,
                              GenerationSettings generation, List<String> publishGate, Boolean captureContent,
                              Boolean publish) {
    }

    /** The body of {@code POST /api/agents/{id}/publish}. */
    public record Publish(Integer version) {
    }

    /** One version of an agent as the API shows it, with the agent's published and latest versions. */
    public record AgentView(UUID id, int version, String name, String model, String systemPrompt, List<String> tools,
                            List<String> httpAllowedHosts, Agent.Limits limits, String onBusy,
                            List<String> approvalRequired, Agent.ContextPolicy context, List<UUID> subAgents,
                            GenerationSettings generation, List<String> publishGate, boolean captureContent,
                            Instant createdAt, int publishedVersion, int latestVersion) {
        static AgentView of(Agent a) {
            return new AgentView(a.id(), a.version(), a.name(), a.model(), a.systemPrompt(), a.tools(),
                    a.httpAllowedHosts(), a.limits(), a.onBusy(), a.approvalRequired(), a.context(), a.subAgents(),
                    a.generation(), a.publishGate(), a.captureContent(), a.createdAt(), a.publishedVersion(),
                    a.latestVersion());
        }
    }

    @Consumes(MediaType.APPLICATION_JSON)
    @POST
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> create(CreateAgent body, UriInfo uri, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        AgentRepository.Definition definition = definition(body, null);
        return checkReferences(org, definition).flatMap(x -> agents.insert(org, definition)).call(mcp::refresh)
                .map(agent -> Response.created(uri.getAbsolutePathBuilder().path(agent.id().toString()).build())
                        .entity(AgentView.of(agent)).build());
    }

    /** Edits the agent: a new version, published unless {@code publish} is false. Sessions keep theirs. */
    @Consumes(MediaType.APPLICATION_JSON)
    @PUT
    @Path("/{id}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<AgentView> update(@PathParam("id") String id, CreateAgent body, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        UUID agentId = Ids.parse(id, "agent");
        AgentRepository.Definition definition = definition(body, agentId);
        boolean publish = body.publish() == null || body.publish();
        boolean gated = publish && !definition.publishGate().isEmpty();
        // a gated version is saved unpublished, and published once its suites passed
        return checkReferences(org, definition).flatMap(x -> agents.addVersion(org, agentId, definition,
                        publish && !gated))
                .flatMap(agent -> {
                    if (agent == null) {
                        throw Problem.notFound("agent " + id + " does not exist");
                    }
                    return gated ? gate.check(agent, Caller.of(security))
                            .flatMap(passed -> agents.publish(org, agentId, agent.version()))
                            .flatMap(published -> agents.find(org, agentId)) : Uni.createFrom().item(agent);
                })
                .call(mcp::refresh)
                .map(AgentView::of);
    }

    /** Every version of the agent, newest first. */
    @GET
    @Path("/{id}/versions")
    public Uni<List<AgentView>> versions(@PathParam("id") String id, SecurityContext security) {
        return agents.versions(Caller.of(security).orgId(), Ids.parse(id, "agent")).map(all -> {
            if (all.isEmpty()) {
                throw Problem.notFound("agent " + id + " does not exist");
            }
            return all.stream().map(AgentView::of).toList();
        });
    }

    /** Makes a version the one new sessions (and callers) get; publishing an older one rolls back. */
    @Consumes(MediaType.APPLICATION_JSON)
    @POST
    @Path("/{id}/publish")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<AgentView> publish(@PathParam("id") String id, Publish body, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        if (body == null || body.version() == null) {
            throw Problem.badRequest("version is required");
        }
        UUID agentId = Ids.parse(id, "agent");
        return agents.versions(org, agentId).map(all -> all.stream().filter(v -> v.version() == body.version())
                        .findFirst().orElseThrow(() -> Problem.notFound("agent " + id + " has no version "
                                + body.version())))
                .call(version -> gate.check(version, Caller.of(security)))
                .flatMap(version -> agents.publish(org, agentId, body.version()))
                .flatMap(published -> {
                    if (!published) {
                        throw Problem.notFound("agent " + id + " has no version " + body.version());
                    }
                    return mcp.refresh().flatMap(x -> agents.find(org, agentId)).map(AgentView::of);
                });
    }

    /**
     * Every tool must be built in or defined by an operator, every sub-agent must exist; one deleted later is left
     * out of the turns.
     */
    private Uni<Void> checkReferences(UUID org, AgentRepository.Definition definition) {
        List<String> notBuiltIn = definition.tools().stream().filter(t -> !tools.names().contains(t)).toList();
        List<String> fromMcp = notBuiltIn.stream().filter(t -> t.indexOf(McpServers.SEPARATOR) > 0).toList();
        List<String> servers = fromMcp.stream().map(t -> t.substring(0, t.indexOf(McpServers.SEPARATOR))).distinct()
                .toList();
        return httpTools.find(org, notBuiltIn).flatMap(defined -> {
            List<String> unknown = new ArrayList<>(notBuiltIn);
            unknown.removeAll(fromMcp);
            defined.forEach(tool -> unknown.remove(tool.name()));
            if (!unknown.isEmpty()) {
                throw Problem.badRequest("unknown tool '" + unknown.get(0) + "': not built in " + tools.names()
                        + " nor defined (GET /api/tools) nor <mcp server>__<tool>");
            }
            return mcpServers.find(org, servers);
        }).flatMap(known -> {
            List<String> missing = new ArrayList<>(servers);
            known.forEach(server -> missing.remove(server.name()));
            if (!missing.isEmpty()) {
                throw Problem.badRequest("tools: no MCP server " + missing.get(0) + " (GET /api/mcp-servers)");
            }
            return agents.find(org, definition.subAgents());
        }).map(found -> {
            List<UUID> missing = new ArrayList<>(definition.subAgents());
            found.forEach(agent -> missing.remove(agent.id()));
            if (!missing.isEmpty()) {
                throw Problem.badRequest("subAgents: no agent " + missing.get(0));
            }
            return null;
        });
    }

    private AgentRepository.Definition definition(CreateAgent body, UUID self) {
        if (body == null) {
            throw Problem.badRequest("a JSON body with name and model is required");
        }
        require(body.name(), "name", MAX_NAME);
        require(body.model(), "model", MAX_NAME);
        String prompt = body.systemPrompt() == null ? "" : body.systemPrompt();
        if (prompt.length() > MAX_SYSTEM_PROMPT) {
            throw Problem.tooLarge("systemPrompt is longer than " + MAX_SYSTEM_PROMPT + " characters");
        }
        List<String> wanted = body.tools() == null ? List.of() : new ArrayList<>(body.tools());
        for (String tool : wanted) {
            if (tool == null || tool.isBlank()) {
                throw Problem.badRequest("tools: a tool name is blank");
            }
        }
        List<String> hosts = body.httpAllowedHosts() == null ? List.of() : body.httpAllowedHosts();
        for (String host : hosts) {
            if (host == null || !host.strip().matches("(\\*\\.)?[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\]")) {
                throw Problem.badRequest("httpAllowedHosts: '" + host + "' is not a host name (or *.domain)");
            }
        }
        List<String> approval = body.approvalRequired() == null ? List.of() : body.approvalRequired();
        for (String tool : approval) {
            if (!wanted.contains(tool)) {
                throw Problem.badRequest("approvalRequired: '" + tool + "' is not one of the agent's tools " + wanted);
            }
        }
        String onBusy = body.onBusy() == null ? Agent.QUEUE : body.onBusy();
        if (!Agent.ON_BUSY.contains(onBusy)) {
            throw Problem.badRequest("onBusy must be one of " + Agent.ON_BUSY);
        }
        List<UUID> subAgents = new ArrayList<>();
        for (String sub : body.subAgents() == null ? List.<String>of() : body.subAgents()) {
            UUID subId = Ids.parseOr(sub, () -> Problem.badRequest("subAgents: '" + sub + "' is not an agent id"));
            if (subId.equals(self)) {
                throw Problem.badRequest("subAgents: an agent cannot ask itself");
            }
            if (!subAgents.contains(subId)) {
                subAgents.add(subId);
            }
        }
        return new AgentRepository.Definition(body.name().strip(), body.model().strip(), prompt,
                wanted.stream().distinct().toList(), hosts.stream().map(String::strip).distinct().toList(),
                limits(body.limits()), onBusy, approval.stream().distinct().toList(), context(body.context()),
                subAgents, generation(body.generation(), !wanted.isEmpty() || !subAgents.isEmpty()),
                publishGate(body.publishGate()), Boolean.TRUE.equals(body.captureContent()));
    }

    /** Suite names: eval-runner says whether they exist when the gate is checked. */
    private static List<String> publishGate(List<String> suites) {
        if (suites == null) {
            return List.of();
        }
        for (String suite : suites) {
            require(suite, "publishGate[]", MAX_NAME);
        }
        return suites.stream().map(String::strip).distinct().toList();
    }

    private static final List<String> EFFORTS = List.of("none", "minimal", "low", "medium", "high", "xhigh", "max");
    private static final List<String> TOOL_CHOICES = List.of("auto", "none", "required", "tool");

    /** The ranges the vendors take (temperature up to 2 is OpenAI's; Anthropic's 0-1 is checked by Anthropic). */
    private static GenerationSettings generation(GenerationSettings g, boolean tools) {
        if (g == null) {
            return GenerationSettings.DEFAULTS;
        }
        if (g.thinkingBudget() != null && (g.thinkingBudget() < 1024 || g.maxOutputTokens() != null
                && g.thinkingBudget() >= g.maxOutputTokens())) {
            throw Problem.badRequest("generation.thinkingBudget: at least 1024 tokens (Anthropic's least), and less"
                    + " than maxOutputTokens, which counts it");
        }
        if (g.thinkingBudget() != null && tools) {
            // the model's signed thinking must go back with the tools' results, and the journal does not keep it yet
            throw Problem.badRequest("generation.thinkingBudget: not yet for agents with tools");
        }
        if (g.toolChoice() != null && !tools && !"none".equals(g.toolChoice().mode())
                && !"auto".equals(g.toolChoice().mode())) {
            throw Problem.badRequest("generation.toolChoice: the agent has no tools to choose");
        }
        range(g.temperature(), "generation.temperature", 0, 2);
        range(g.topP(), "generation.topP", 0, 1);
        range(g.presencePenalty(), "generation.presencePenalty", -2, 2);
        range(g.frequencyPenalty(), "generation.frequencyPenalty", -2, 2);
        positive(g.topK(), "generation.topK", 1_000);
        positive(g.maxOutputTokens(), "generation.maxOutputTokens", 10_000_000);
        positive(g.thinkingBudget(), "generation.thinkingBudget", 10_000_000);
        if (g.stop() != null && (g.stop().size() > 16 || g.stop().stream().anyMatch(s -> s == null || s.isEmpty()))) {
            throw Problem.badRequest("generation.stop: at most 16 sequences, none empty");
        }
        if (g.reasoningEffort() != null && !EFFORTS.contains(g.reasoningEffort())) {
            throw Problem.badRequest("generation.reasoningEffort must be one of " + EFFORTS);
        }
        if (g.toolChoice() != null) {
            if (g.toolChoice().mode() == null || !TOOL_CHOICES.contains(g.toolChoice().mode())) {
                throw Problem.badRequest("generation.toolChoice.mode must be one of " + TOOL_CHOICES);
            }
            if (g.toolChoice().mode().equals("tool") != (g.toolChoice().name() != null
                    && !g.toolChoice().name().isBlank())) {
                throw Problem.badRequest("generation.toolChoice.name names the tool when (and only when) mode is"
                        + " 'tool'");
            }
        }
        if (g.metadata() != null && (g.metadata().size() > 16 || g.metadata().values().stream()
                .anyMatch(v -> v == null || v.length() > 512))) {
            throw Problem.badRequest("generation.metadata: at most 16 entries, each a string of at most 512 characters");
        }
        return g;
    }

    private static void range(Double value, String field, double min, double max) {
        if (value != null && (value.isNaN() || value < min || value > max)) {
            throw Problem.badRequest(field + " must be from " + min + " to " + max);
        }
    }

    private static Agent.Limits limits(Agent.Limits limits) {
        if (limits == null) {
            return Agent.Limits.NONE;
        }
        positive(limits.maxToolRounds(), "limits.maxToolRounds", 100);
        positive(limits.maxTurnSeconds(), "limits.maxTurnSeconds", 24 * 3600);
        positive(limits.maxTurnTokens(), "limits.maxTurnTokens", 100_000_000);
        return limits;
    }

    private static Agent.ContextPolicy context(Agent.ContextPolicy context) {
        if (context == null) {
            return Agent.ContextPolicy.UNLIMITED;
        }
        // below this the system prompt and one exchange hardly fit
        if (context.maxTokens() != null && context.maxTokens() < 256) {
            throw Problem.badRequest("context.maxTokens must be at least 256");
        }
        positive(context.maxTokens(), "context.maxTokens", 10_000_000);
        String strategy = context.strategy() == null ? Agent.DROP_OLDEST : context.strategy();
        if (!Agent.STRATEGIES.contains(strategy)) {
            throw Problem.badRequest("context.strategy must be one of " + Agent.STRATEGIES);
        }
        return new Agent.ContextPolicy(context.maxTokens(), strategy);
    }

    private static void positive(Integer value, String field, int max) {
        if (value != null && (value < 1 || value > max)) {
            throw Problem.badRequest(field + " must be between 1 and " + max);
        }
    }

    @GET
    public Uni<List<AgentView>> list(SecurityContext security) {
        return agents.list(Caller.of(security).orgId()).map(all -> all.stream().map(AgentView::of).toList());
    }

    @GET
    @Path("/{id}")
    public Uni<AgentView> get(@PathParam("id") String id, SecurityContext security) {
        return agents.find(Caller.of(security).orgId(), Ids.parse(id, "agent")).map(agent -> {
            if (agent == null) {
                throw Problem.notFound("agent " + id + " does not exist");
            }
            return AgentView.of(agent);
        });
    }

    private static void require(String value, String field, int max) {
        if (value == null || value.isBlank()) {
            throw Problem.badRequest(field + " is required");
        }
        if (value.length() > max) {
            throw Problem.badRequest(field + " is longer than " + max + " characters");
        }
    }
}

package io.switchboard.runtime.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.runtime.repository.Agent;
import io.switchboard.runtime.repository.AgentRepository;
import io.switchboard.runtime.tools.ToolRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

@Path("/api/agents")
public class AgentResource {
    static final int MAX_NAME = 200;
    static final int MAX_SYSTEM_PROMPT = 100_000;

    private final AgentRepository agents;
    private final ToolRegistry tools;

    public AgentResource(AgentRepository agents, ToolRegistry tools) {
        this.agents = agents;
        this.tools = tools;
    }

    /** The body of {@code POST /api/agents}; {@code systemPrompt} and {@code tools} may be left out. */
    public record CreateAgent(String name, String model, String systemPrompt, List<String> tools) {
    }

    /** An agent as the API shows it. */
    public record AgentView(UUID id, String name, String model, String systemPrompt, List<String> tools,
                            Instant createdAt) {
        static AgentView of(Agent a) {
            return new AgentView(a.id(), a.name(), a.model(), a.systemPrompt(), a.tools(), a.createdAt());
        }
    }

    @POST
    public Uni<Response> create(CreateAgent body, UriInfo uri) {
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
            if (tool == null || !tools.names().contains(tool)) {
                throw Problem.badRequest("unknown tool '" + tool + "'; available: " + tools.names());
            }
        }
        return agents.insert(body.name().strip(), body.model().strip(), prompt, wanted.stream().distinct().toList())
                .map(agent -> Response.created(uri.getAbsolutePathBuilder().path(agent.id().toString()).build())
                        .entity(AgentView.of(agent)).build());
    }

    @GET
    public Uni<List<AgentView>> list() {
        return agents.list().map(all -> all.stream().map(AgentView::of).toList());
    }

    @GET
    @Path("/{id}")
    public Uni<AgentView> get(@PathParam("id") String id) {
        return agents.find(Ids.parse(id, "agent")).map(agent -> {
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

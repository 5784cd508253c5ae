package io.switchboard.runtime.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.runtime.repository.McpServerRepository.McpServerDefinition;
import io.switchboard.runtime.repository.McpServerRepository;
import io.switchboard.runtime.repository.SecretRepository;
import io.switchboard.runtime.tools.McpServers;
import io.switchboard.runtime.tools.Secrets;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * External MCP servers (Streamable HTTP) whose tools agents may list as {@code <server>__<tool>}. A server is
 * connected and its tools listed before it is stored, so a wrong URL or key is a 400 now, not a missing tool later.
 */
@Path("/api/mcp-servers")
@RolesAllowed(Role.VIEWER_NAME)
public class McpServerResource {
    private final McpServerRepository servers;
    private final McpServers mcp;
    private final SecretRepository secrets;
    private final ObjectMapper json;

    public McpServerResource(McpServerRepository servers, McpServers mcp, SecretRepository secrets, ObjectMapper json) {
        this.servers = servers;
        this.mcp = mcp;
        this.secrets = secrets;
        this.json = json;
    }

    /** {@code url} of the MCP endpoint (e.g. {@code https://mcp.example.com/mcp}); header values may name secrets. */
    public record ServerBody(String url, Map<String, String> headers) {
    }

    /** A server and the names agents list its tools by. */
    public record ServerView(String name, String url, Map<String, String> headers, List<String> tools) {
    }

    @GET
    public Uni<List<ServerView>> list(SecurityContext security) {
        return servers.list(Caller.of(security).orgId()).map(all -> all.stream().map(s -> view(s, null)).toList());
    }

    /** The server's tools, listed now: {@code name} (as agents list it), description and input schema. */
    @GET
    @Path("/{name}/tools")
    public Uni<List<McpSchema.Tool>> tools(@PathParam("name") String name, SecurityContext security) {
        return servers.find(Caller.of(security).orgId(), List.of(name)).flatMap(found -> {
            if (found.isEmpty()) {
                throw Problem.notFound("no MCP server " + name);
            }
            // only the server's own failures are a 502: the database's are a 503 (ProblemMapper)
            return mcp.tools(found.get(0)).onFailure().transform(e -> new Problem(502, "Bad Gateway",
                    "MCP server " + name + " cannot be reached: " + e.getMessage()));
        });
    }

    /** Connects, lists the tools, then stores the server (replacing its definition); 400 when it cannot connect. */
    @Consumes(MediaType.APPLICATION_JSON)
    @PUT
    @Path("/{name}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<ServerView> put(@PathParam("name") String name, ServerBody body, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        if (!name.matches("[A-Za-z0-9-]{1,32}")) {
            throw Problem.badRequest("an MCP server name is 1 to 32 letters, digits or '-' (no '_': tools are"
                    + " named <server>__<tool>)");
        }
        if (body == null || body.url() == null) {
            throw Problem.badRequest("url is required");
        }
        URI url = ToolResource.httpUrl(body.url());
        Map<String, String> headers = ToolResource.headers(body.headers());
        McpServerDefinition definition;
        try {
            definition = new McpServerDefinition(org, name, body.url(), json.writeValueAsString(headers));
        } catch (JsonProcessingException e) {
            throw Problem.badRequest("headers cannot be written as JSON");
        }
        return ToolResource.requireSecrets(secrets, org, headers, url.getHost()).flatMap(x -> {
            mcp.forget(org, name);
            return mcp.tools(definition).onFailure().transform(e -> Problem.badRequest(
                    "could not connect to the MCP server at " + body.url() + ": " + e.getMessage()));
        }).call(tools -> servers.put(definition)).map(tools -> view(definition,
                tools.stream().map(t -> name + McpServers.SEPARATOR + t.name()).toList()));
    }

    @DELETE
    @Path("/{name}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> delete(@PathParam("name") String name, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        return servers.delete(org, name).map(deleted -> {
            if (!deleted) {
                throw Problem.notFound("no MCP server " + name);
            }
            mcp.forget(org, name);
            return Response.noContent().build();
        });
    }

    private ServerView view(McpServerDefinition server, List<String> tools) {
        try {
            return new ServerView(server.name(), server.url(), json.readValue(server.headers(), Secrets.HEADERS), tools);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

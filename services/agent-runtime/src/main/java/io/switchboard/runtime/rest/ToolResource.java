package io.switchboard.runtime.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.runtime.repository.HttpToolRepository.HttpToolDefinition;
import io.switchboard.runtime.repository.HttpToolRepository;
import io.switchboard.runtime.repository.SecretRepository;
import io.switchboard.runtime.tools.OperatorHttpTool;
import io.switchboard.runtime.tools.Secrets;
import io.switchboard.runtime.tools.Tool;
import io.switchboard.runtime.tools.ToolRegistry;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;

/**
 * Tools agents may list: the built-in ones, and HTTP tools operators define (a fixed URL and method, a JSON Schema for
 * the arguments, headers that may name stored secrets as {@code {{secret:NAME}}}).
 */
@Path("/api/tools")
@RolesAllowed(Role.VIEWER_NAME)
public class ToolResource {
    static final String NAME = "[A-Za-z0-9_-]{1,64}";
    static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE");

    private final ToolRegistry builtIn;
    private final HttpToolRepository httpTools;
    private final SecretRepository secrets;
    private final ObjectMapper json;

    public ToolResource(ToolRegistry builtIn, HttpToolRepository httpTools, SecretRepository secrets, ObjectMapper json) {
        this.builtIn = builtIn;
        this.httpTools = httpTools;
        this.secrets = secrets;
        this.json = json;
    }

    /** The body of {@code PUT /api/tools/{name}}; {@code parameters} defaults to no arguments. */
    public record HttpToolBody(String description, String method, String url, Map<String, Object> parameters,
                               Map<String, String> headers) {
    }

    /** A tool as listed: {@code kind} is {@code built-in} or {@code http}; the HTTP fields only for the latter. */
    public record ToolView(String name, String kind, String description, Object parameters, String method, String url,
                           Map<String, String> headers) {
    }

    @GET
    public Uni<List<ToolView>> list(SecurityContext security) {
        List<ToolView> all = new ArrayList<>();
        for (String name : builtIn.names()) {
            Tool tool = builtIn.find(name).orElseThrow();
            all.add(new ToolView(name, "built-in", tool.description(), tool.parameters(), null, null, null));
        }
        return httpTools.list(Caller.of(security).orgId()).map(defined -> {
            defined.forEach(d -> all.add(view(d)));
            return all;
        });
    }

    /** Defines the HTTP tool, or replaces it (every agent listing it gets the new definition). */
    @Consumes(MediaType.APPLICATION_JSON)
    @PUT
    @Path("/{name}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<ToolView> put(@PathParam("name") String name, HttpToolBody body, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        HttpToolDefinition definition = definition(org, name, body);
        return requireSecrets(secrets, org, headers(body.headers()), OperatorHttpTool.host(definition.url()))
                .flatMap(x -> httpTools.put(definition))
                .map(x -> view(definition));
    }

    /** The headers (none when left out); 400 when one has no value. */
    static Map<String, String> headers(Map<String, String> headers) {
        if (headers == null) {
            return Map.of();
        }
        headers.forEach((name, value) -> {
            if (value == null) {
                throw Problem.badRequest("headers." + name + ": a header needs a value");
            }
        });
        return headers;
    }

    /** Fails with 400 when a header names a secret that is not stored, or one that may not be sent to {@code host}. */
    static Uni<Void> requireSecrets(SecretRepository secrets, UUID orgId, Map<String, String> headers, String host) {
        List<String> referenced = Secrets.referenced(headers.values());
        return secrets.stored(orgId, referenced).map(found -> {
            for (String secret : referenced) {
                if (!found.containsKey(secret)) {
                    throw Problem.badRequest("headers: no secret " + secret + " (PUT /api/secrets/" + secret + ")");
                }
                String refusal = Secrets.refusal(secret, found.get(secret), host);
                if (refusal != null) {
                    throw Problem.badRequest("headers: " + refusal + " (PUT /api/secrets/" + secret
                            + " with the host among its hosts)");
                }
            }
            return null;
        });
    }

    /** The URL, when it is an absolute http(s) one; else 400. */
    static URI httpUrl(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw Problem.badRequest("url is not a URL");
        }
        if (!List.of("http", "https").contains(String.valueOf(uri.getScheme())) || uri.getHost() == null) {
            throw Problem.badRequest("url must be an absolute http(s) URL");
        }
        return uri;
    }

    @DELETE
    @Path("/{name}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> delete(@PathParam("name") String name, SecurityContext security) {
        return httpTools.delete(Caller.of(security).orgId(), name).map(deleted -> {
            if (!deleted) {
                throw Problem.notFound("no tool " + name + " defined by an operator");
            }
            return Response.noContent().build();
        });
    }

    private HttpToolDefinition definition(UUID orgId, String name, HttpToolBody body) {
        if (!name.matches(NAME)) {
            throw Problem.badRequest("a tool name is 1 to 64 letters, digits, _ or -");
        }
        if (builtIn.names().contains(name)) {
            throw Problem.conflict("tool " + name + " is built in");
        }
        if (body == null || body.url() == null || body.description() == null || body.description().isBlank()) {
            throw Problem.badRequest("description and url are required");
        }
        String method = body.method() == null ? "GET" : body.method().toUpperCase(java.util.Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw Problem.badRequest("method must be one of " + METHODS);
        }
        Map<String, Object> parameters = body.parameters() == null
                ? Map.of("type", "object", "properties", Map.of()) : body.parameters();
        if (!"object".equals(parameters.get("type"))) {
            throw Problem.badRequest("parameters must be a JSON Schema of \"type\": \"object\"");
        }
        Set<String> properties = parameters.get("properties") instanceof Map<?, ?> p
                ? new HashSet<>(p.keySet().stream().map(String::valueOf).toList()) : Set.of();
        httpUrl(OperatorHttpTool.PLACEHOLDER.matcher(body.url()).replaceAll("x"));
        int pathStart = body.url().indexOf('/', body.url().indexOf("//") + 2);
        int firstPlaceholder = body.url().indexOf('{');
        if (firstPlaceholder >= 0 && (pathStart < 0 || firstPlaceholder < pathStart)) {
            throw Problem.badRequest("url: {placeholders} go in the path or query, never the host");
        }
        Matcher placeholders = OperatorHttpTool.PLACEHOLDER.matcher(body.url());
        while (placeholders.find()) {
            if (!properties.contains(placeholders.group(1))) {
                throw Problem.badRequest("url: {" + placeholders.group(1) + "} is not one of the parameters");
            }
        }
        Map<String, String> headers = new LinkedHashMap<>(headers(body.headers()));
        try {
            return new HttpToolDefinition(orgId, name, body.description().strip(), method, body.url(),
                    json.writeValueAsString(parameters), json.writeValueAsString(headers));
        } catch (JsonProcessingException e) {
            throw Problem.badRequest("parameters or headers cannot be written as JSON");
        }
    }

    private ToolView view(HttpToolDefinition d) {
        try {
            return new ToolView(d.name(), "http", d.description(), json.readTree(d.parameters()), d.method(), d.url(),
                    json.readValue(d.headers(), Secrets.HEADERS));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

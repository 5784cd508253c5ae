package io.switchboard.runtime.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.runtime.repository.SecretRepository;
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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Secrets for tools' headers: written with the hosts they may be sent to, listed by name, deleted; a value is never
 * shown again.
 */
@Path("/api/secrets")
@RolesAllowed(Role.VIEWER_NAME)
public class SecretResource {
    static final int MAX_VALUE = 8192;
    static final int MAX_HOSTS = 20;
    /** A host name or IP address, or {@code *.domain}: where a secret may go. */
    private static final Pattern HOST = Pattern.compile(
            "(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|[0-9a-f:.]*:[0-9a-f:.]*");

    private final Secrets secrets;
    private final SecretRepository store;

    public SecretResource(Secrets secrets, SecretRepository store) {
        this.secrets = secrets;
        this.store = store;
    }

    /** The value, and the hosts it may be sent to (names, IP addresses or {@code *.domain}). */
    public record SecretValue(String value, List<String> hosts) {
    }

    @GET
    public Uni<List<SecretRepository.SecretInfo>> list(SecurityContext security) {
        return store.list(Caller.of(security).orgId());
    }

    /** Stores the value sealed; 204. 409 when no master key is configured. */
    @Consumes(MediaType.APPLICATION_JSON)
    @PUT
    @Path("/{name}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> put(@PathParam("name") String name, SecretValue body, SecurityContext security) {
        if (!name.matches("[A-Za-z0-9_.-]{1,100}")) {
            throw Problem.badRequest("a secret name is 1 to 100 letters, digits, '.', '_' or '-'");
        }
        if (body == null || body.value() == null || body.value().isEmpty()) {
            throw Problem.badRequest("value is required");
        }
        if (body.value().length() > MAX_VALUE) {
            throw Problem.badRequest("value is longer than " + MAX_VALUE + " characters");
        }
        List<String> hosts = hosts(body.hosts());
        if (!secrets.canStore()) {
            throw Problem.conflict("no master key is configured (SWITCHBOARD_MASTER_KEYS): secrets cannot be stored");
        }
        return secrets.put(Caller.of(security).orgId(), name, body.value(), hosts)
                .map(x -> Response.noContent().build());
    }

    private static List<String> hosts(List<String> hosts) {
        if (hosts == null || hosts.isEmpty()) {
            throw Problem.badRequest("hosts is required: the hosts this secret may be sent to, such as"
                    + " [\"api.example.com\"] or [\"*.example.com\"]");
        }
        if (hosts.size() > MAX_HOSTS) {
            throw Problem.badRequest("hosts: at most " + MAX_HOSTS);
        }
        List<String> normal = new ArrayList<>();
        for (String host : hosts) {
            String lower = host == null ? "" : host.strip().toLowerCase(Locale.ROOT);
            if (lower.length() > 253 || !HOST.matcher(lower).matches()) {
                throw Problem.badRequest("hosts: " + host + " is not a host name, an IP address or *.domain");
            }
            normal.add(lower);
        }
        return List.copyOf(new LinkedHashSet<>(normal));
    }

    @DELETE
    @Path("/{name}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> delete(@PathParam("name") String name, SecurityContext security) {
        return store.delete(Caller.of(security).orgId(), name).map(deleted -> {
            if (!deleted) {
                throw Problem.notFound("no secret " + name);
            }
            return Response.noContent().build();
        });
    }
}

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
import java.util.List;

/** Secrets for tools' headers: written, listed by name, deleted; a value is never shown again. */
@Path("/api/secrets")
@RolesAllowed(Role.VIEWER_NAME)
public class SecretResource {
    static final int MAX_VALUE = 8192;

    private final Secrets secrets;
    private final SecretRepository store;

    public SecretResource(Secrets secrets, SecretRepository store) {
        this.secrets = secrets;
        this.store = store;
    }

    public record SecretValue(String value) {
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
        if (!secrets.canStore()) {
            throw Problem.conflict("no master key is configured (SWITCHBOARD_MASTER_KEYS): secrets cannot be stored");
        }
        return secrets.put(Caller.of(security).orgId(), name, body.value()).map(x -> Response.noContent().build());
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

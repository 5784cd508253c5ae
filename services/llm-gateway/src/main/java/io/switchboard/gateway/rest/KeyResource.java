package io.switchboard.gateway.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.gateway.keys.ApiKeys;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;

/** Virtual API keys for the front doors. The key itself is in the answer to its creation, and nowhere else. */
@Path("/api/keys")
@RolesAllowed(Role.VIEWER_NAME)
public class KeyResource {
    /** What the key's budget column holds. */
    static final BigDecimal MAX_BUDGET = new BigDecimal("999999999");

    private final ApiKeys keys;

    public KeyResource(ApiKeys keys) {
        this.keys = keys;
    }

    /** {@code requestsPerMinute} and {@code budgetUsd} are optional; without them the key is unlimited. */
    public record NewKey(String name, Integer requestsPerMinute, BigDecimal budgetUsd) {
    }

    @Consumes(MediaType.APPLICATION_JSON)
    @POST
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> create(NewKey body, SecurityContext security) {
        if (body == null || body.name() == null || body.name().isBlank() || body.name().length() > 200) {
            throw new BadRequestException("name is required (at most 200 characters)");
        }
        if (body.requestsPerMinute() != null && body.requestsPerMinute() < 1) {
            throw new BadRequestException("requestsPerMinute must be at least 1");
        }
        BigDecimal budget = body.budgetUsd();
        if (budget != null && (budget.signum() < 0 || budget.compareTo(MAX_BUDGET) > 0)) {
            throw new BadRequestException("budgetUsd must be between 0 and " + MAX_BUDGET);
        }
        // stored as numeric(18, 9), rounded; PostgreSQL refuses an exponent past 1000 (1e-5000)
        if (budget != null && budget.scale() > 18 && budget.stripTrailingZeros().scale() > 18) {
            throw new BadRequestException("budgetUsd has more than 18 decimal places");
        }
        return keys.create(Caller.of(security).orgId(), body.name().strip(), body.requestsPerMinute(), body.budgetUsd())
                .map(created -> Response.status(201).entity(created).build());
    }

    @GET
    public Uni<List<ApiKeys.KeyView>> list(SecurityContext security) {
        return keys.list(Caller.of(security).orgId());
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> revoke(@PathParam("id") String id, SecurityContext security) {
        UUID key;
        try {
            key = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new NotFoundException("no key " + id);
        }
        return keys.revoke(Caller.of(security).orgId(), key).map(revoked -> {
            if (!revoked) {
                throw new NotFoundException("no live key " + id);
            }
            return Response.noContent().build();
        });
    }
}

package io.switchboard.gateway.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.gateway.keys.ApiKeys;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;

/** Virtual API keys for the front doors. The key itself is in the answer to its creation, and nowhere else. */
@Path("/api/keys")
public class KeyResource {
    private final ApiKeys keys;

    public KeyResource(ApiKeys keys) {
        this.keys = keys;
    }

    /** {@code requestsPerMinute} and {@code budgetUsd} are optional; without them the key is unlimited. */
    public record NewKey(String name, Integer requestsPerMinute, BigDecimal budgetUsd) {
    }

    @POST
    public Uni<Response> create(NewKey body) {
        if (body == null || body.name() == null || body.name().isBlank() || body.name().length() > 200) {
            throw new BadRequestException("name is required (at most 200 characters)");
        }
        if (body.requestsPerMinute() != null && body.requestsPerMinute() < 1) {
            throw new BadRequestException("requestsPerMinute must be at least 1");
        }
        if (body.budgetUsd() != null && body.budgetUsd().signum() < 0) {
            throw new BadRequestException("budgetUsd must not be negative");
        }
        return keys.create(body.name().strip(), body.requestsPerMinute(), body.budgetUsd())
                .map(created -> Response.status(201).entity(created).build());
    }

    @GET
    public Uni<List<ApiKeys.KeyView>> list() {
        return keys.list();
    }

    @DELETE
    @Path("/{id}")
    public Uni<Response> revoke(@PathParam("id") String id) {
        UUID key;
        try {
            key = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new NotFoundException("no key " + id);
        }
        return keys.revoke(key).map(revoked -> {
            if (!revoked) {
                throw new NotFoundException("no live key " + id);
            }
            return Response.noContent().build();
        });
    }
}

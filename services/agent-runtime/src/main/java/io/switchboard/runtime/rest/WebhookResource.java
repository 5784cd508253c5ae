package io.switchboard.runtime.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.triggers.WebhookRepository;
import io.switchboard.runtime.triggers.WebhookRepository.Webhook;
import io.switchboard.runtime.triggers.Webhooks;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Webhooks: made for an agent with a message template, answered with the URL senders deliver to and the secret they
 * sign with (shown once; rotated with a grace period). Deliveries come to {@link DeliveryResource}.
 */
@Path("/api/webhooks")
public class WebhookResource {
    private final Webhooks webhooks;
    private final WebhookRepository store;
    private final RuntimeConfig config;

    public WebhookResource(Webhooks webhooks, WebhookRepository store, RuntimeConfig config) {
        this.webhooks = webhooks;
        this.store = store;
        this.config = config;
    }

    /** {@code template}: the message, Qute, filled from the delivery's JSON as {@code body}: {@code {body.title}}. */
    public record NewWebhook(String agentId, String name, String template) {
    }

    /** A webhook made (or its secret rotated): {@code secret} is shown only now. */
    public record WebhookSecret(UUID id, String name, String url, String secret) {
    }

    /** A webhook as listed: never its secret. */
    public record WebhookView(UUID id, UUID agentId, String name, String template, String url, String createdBy,
                              Instant createdAt, Instant previousSecretUntil) {
    }

    @POST
        @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> create(NewWebhook body, SecurityContext security, @Context UriInfo uri) {
        Caller caller = Caller.of(security);
        if (body == null) {
            throw Problem.badRequest("a JSON body with agentId, name and template is required");
        }
        if (body.agentId() == null) {
            throw Problem.badRequest("agentId is required");
        }
        UUID agentId = Ids.parseOr(body.agentId(), () -> Problem.badRequest("agentId: not an agent id"));
        if (body.name() == null || body.name().isBlank() || body.name().strip().length() > 100) {
            throw Problem.badRequest("name is required, at most 100 characters");
        }
        if (body.template() == null || body.template().isBlank()) {
            throw Problem.badRequest("template is required: the message, e.g. New issue: {body.issue.title}");
        }
        if (body.template().length() > Webhooks.MAX_TEMPLATE) {
            throw Problem.badRequest("template is longer than " + Webhooks.MAX_TEMPLATE + " characters");
        }
        String problem = Webhooks.templateProblem(body.template());
        if (problem != null) {
            throw Problem.badRequest(problem);
        }
        return webhooks.create(caller.orgId(), agentId, body.name().strip(), body.template(), caller.subject())
                .map(made -> {
                    if (made == null) {
                        throw Problem.badRequest("agentId: there is no agent " + agentId);
                    }
                    return Response.status(201).header("Cache-Control", "no-store")
                            .entity(new WebhookSecret(made.webhook().id(), made.webhook().name(),
                                    url(uri, made.webhook().id()), made.secret())).build();
                });
    }

    @GET
        @RolesAllowed(Role.VIEWER_NAME)
    public Uni<List<WebhookView>> list(SecurityContext security, @Context UriInfo uri) {
        return store.list(Caller.of(security).orgId()).map(all -> all.stream().map(w -> view(w, uri)).toList());
    }

    /** A new secret, shown once; the old one is still taken for a while ({@code runtime.webhooks.rotation-grace}). */
    @POST
    @Path("/{id}/rotate")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> rotate(@PathParam("id") String id, SecurityContext security, @Context UriInfo uri) {
        UUID webhook = Ids.parse(id, "webhook");
        return webhooks.rotate(Caller.of(security).orgId(), webhook).map(secret -> {
            if (secret == null) {
                throw Problem.notFound("webhook " + id + " does not exist");
            }
            return Response.ok(new WebhookSecret(webhook, null, url(uri, webhook), secret))
                    .header("Cache-Control", "no-store").build();
        });
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> delete(@PathParam("id") String id, SecurityContext security) {
        return store.delete(Caller.of(security).orgId(), Ids.parse(id, "webhook")).map(deleted -> {
            if (!deleted) {
                throw Problem.notFound("webhook " + id + " does not exist");
            }
            return Response.noContent().build();
        });
    }

    private WebhookView view(Webhook w, UriInfo uri) {
        Instant until = w.previousUntil() != null && w.previousUntil().isAfter(Instant.now()) ? w.previousUntil()
                : null;
        return new WebhookView(w.id(), w.agentId(), w.name(), w.template(), url(uri, w.id()), w.createdBy(),
                w.createdAt(), until);
    }

    private String url(UriInfo uri, UUID id) {
        String base = config.webhooks().baseUrl().orElse(uri.getBaseUri().toString());
        return base.replaceAll("/+$", "") + "/hooks/" + id;
    }
}

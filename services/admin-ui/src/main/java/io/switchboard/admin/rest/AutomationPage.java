package io.switchboard.admin.rest;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.RuntimeClient;
import io.switchboard.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Agents that act without being asked: schedules (made, paused, resumed, deleted; their next ticks shown) and
 * webhooks (made and rotated, the secret shown once; deleted). agent-runtime checks the roles again.
 */
@Path("/automations")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed(Role.VIEWER_NAME)
public class AutomationPage {
    static final List<String> ACTIONS = List.of("pause", "resume");

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance list(List<RuntimeClient.Schedule> schedules,
                                            List<RuntimeClient.Webhook> webhooks, List<RuntimeClient.Agent> agents,
                                            Map<String, String> agentNames, RuntimeClient.WebhookSecret secret,
                                            String error);
    }

    private final RuntimeClient runtime;

    public AutomationPage(@RestClient RuntimeClient runtime) {
        this.runtime = runtime;
    }

    @GET
    public Uni<TemplateInstance> list(SecurityContext security) {
        return page(SignedIn.bearer(security), null, null);
    }

    @POST
    @Path("/schedules")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> createSchedule(@RestForm String agentId, @RestForm String cron, @RestForm String timezone,
                                        @RestForm String message, @RestForm String sessionMode,
                                        SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.createSchedule(auth, new RuntimeClient.NewSchedule(agentId, cron,
                        timezone == null || timezone.isBlank() ? null : timezone.strip(), message, sessionMode))
                .map(made -> Response.seeOther(URI.create("/automations")).build())
                .onFailure().recoverWithUni(e -> failed(auth, e));
    }

    @POST
    @Path("/schedules/{id}/{action}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> scheduleAction(@PathParam("id") String id, @PathParam("action") String action,
                                        SecurityContext security) {
        String auth = SignedIn.bearer(security);
        Uni<?> done = action.equals("delete") ? runtime.deleteSchedule(auth, id)
                : ACTIONS.contains(action) ? runtime.scheduleAction(auth, id, action)
                : Uni.createFrom().failure(new jakarta.ws.rs.NotFoundException());
        return done.map(x -> Response.seeOther(URI.create("/automations")).build())
                .onFailure().recoverWithUni(e -> failed(auth, e));
    }

    /** Makes a webhook and shows its secret once, on the page that answers the form. */
    @POST
    @Path("/webhooks")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> createWebhook(@RestForm String agentId, @RestForm String name, @RestForm String template,
                                       SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.createWebhook(auth, new RuntimeClient.NewWebhook(agentId, name, template))
                .flatMap(made -> page(auth, made, null))
                .map(html -> Response.ok(html).header("Cache-Control", "no-store").build())
                .onFailure().recoverWithUni(e -> failed(auth, e));
    }

    @POST
    @Path("/webhooks/{id}/rotate")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> rotate(@PathParam("id") String id, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.rotateWebhook(auth, id).flatMap(made -> page(auth, made, null))
                .map(html -> Response.ok(html).header("Cache-Control", "no-store").build())
                .onFailure().recoverWithUni(e -> failed(auth, e));
    }

    @POST
    @Path("/webhooks/{id}/delete")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> deleteWebhook(@PathParam("id") String id, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.deleteWebhook(auth, id).map(x -> Response.seeOther(URI.create("/automations")).build())
                .onFailure().recoverWithUni(e -> failed(auth, e));
    }

    private Uni<Response> failed(String auth, Throwable e) {
        return page(auth, null, Problems.describe(e)).map(html -> Response.status(Problems.status(e)).entity(html)
                .build());
    }

    private Uni<TemplateInstance> page(String auth, RuntimeClient.WebhookSecret secret, String error) {
        return Uni.combine().all().unis(runtime.schedules(auth), runtime.webhooks(auth), runtime.agents(auth))
                .asTuple().map(all -> {
                    Map<String, String> names = new HashMap<>();
                    all.getItem3().forEach(agent -> names.put(agent.id().toString(), agent.name()));
                    return Templates.list(all.getItem1(), all.getItem2(), all.getItem3(), names, secret, error);
                })
                .onFailure().recoverWithItem(e -> Templates.list(List.of(), List.of(), List.of(), Map.of(), secret,
                        error != null ? error : Problems.describe(e)));
    }
}

package io.switchboard.admin.rest;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.GatewayClient;
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
import java.math.BigDecimal;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Virtual API keys for the gateway's front doors: made (the key shown once), listed, revoked; and the organization's
 * monthly budget, which every call of the organization counts against.
 */
@Path("/keys")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed(Role.VIEWER_NAME)
public class KeyPage {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance list(List<GatewayClient.ApiKey> keys, GatewayClient.Budget budget,
                                            String newKey, String error);
    }

    private final GatewayClient gateway;

    public KeyPage(@RestClient GatewayClient gateway) {
        this.gateway = gateway;
    }

    @GET
    public Uni<TemplateInstance> list(SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return page(auth, null, null);
    }

    /** Makes a key and shows it once, on the page that answers the form (never stored or shown again). */
    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> create(@RestForm String name, @RestForm String requestsPerMinute, @RestForm String budgetUsd, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        Integer rpm;
        BigDecimal budget;
        try {
            rpm = requestsPerMinute == null || requestsPerMinute.isBlank() ? null : Integer.valueOf(requestsPerMinute.strip());
            budget = budgetUsd == null || budgetUsd.isBlank() ? null : new BigDecimal(budgetUsd.strip());
        } catch (NumberFormatException e) {
            return page(auth, null, "requests per minute is a whole number and the budget an amount in dollars")
                    .map(html -> Response.status(400).entity(html).build());
        }
        return gateway.createKey(auth, new GatewayClient.NewKey(name, rpm, budget))
                .flatMap(created -> page(auth, created.key(), null))
                .map(html -> Response.ok(html).header("Cache-Control", "no-store").build())
                .onFailure().recoverWithUni(e -> page(auth, null, Problems.describe(e))
                        .map(html -> Response.status(Problems.status(e)).entity(html).build()));
    }

    @POST
    @Path("/{id}/revoke")
    public Uni<Response> revoke(@PathParam("id") String id, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return gateway.revokeKey(auth, id).map(x -> Response.seeOther(URI.create("/keys")).build())
                .onFailure().recoverWithUni(e -> page(auth, null, Problems.describe(e))
                        .map(html -> Response.status(Problems.status(e)).entity(html).build()));
    }

    /** Sets the organization's monthly budget (admins). */
    @POST
    @Path("/budget")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> setBudget(@RestForm String monthlyUsd, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        BigDecimal monthly;
        try {
            monthly = new BigDecimal(monthlyUsd == null ? "" : monthlyUsd.strip());
        } catch (NumberFormatException e) {
            return page(auth, null, "the monthly budget is an amount in dollars")
                    .map(html -> Response.status(400).entity(html).build());
        }
        return gateway.setBudget(auth, new GatewayClient.BudgetInput(monthly))
                .map(set -> Response.seeOther(URI.create("/keys")).build())
                .onFailure().recoverWithUni(e -> page(auth, null, Problems.describe(e))
                        .map(html -> Response.status(Problems.status(e)).entity(html).build()));
    }

    private Uni<TemplateInstance> page(String auth, String newKey, String error) {
        Uni<GatewayClient.Budget> budget = gateway.budget(auth).onFailure().recoverWithNull(); // 404: none
        return gateway.keys(auth).flatMap(keys -> budget.map(set -> Templates.list(keys, set, newKey, error)))
                .onFailure().recoverWithItem(e -> Templates.list(List.of(), null, newKey,
                        error != null ? error : Problems.describe(e)));
    }
}

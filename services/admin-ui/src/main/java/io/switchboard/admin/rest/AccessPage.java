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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Who may use the organization and how: its name and whether it captures content, its members (add, remove) and its
 * API tokens (made and shown once, revoked), for owners; and the audit log, for owners and admins. agent-runtime
 * checks the same roles again.
 */
@Path("/")
@Produces(MediaType.TEXT_HTML)
public class AccessPage {
    static final List<String> ROLES = List.of("viewer", "operator", "admin", "owner");

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance access(RuntimeClient.Org org, List<RuntimeClient.Member> members,
                                              List<RuntimeClient.Token> tokens, List<String> roles,
                                              RuntimeClient.TokenCreated newToken, String error);

        static native TemplateInstance audit(List<RuntimeClient.AuditEntry> entries, String action, String actor,
                                             String error);
    }

    private final RuntimeClient runtime;

    public AccessPage(@RestClient RuntimeClient runtime) {
        this.runtime = runtime;
    }

    @GET
    @Path("access")
    @RolesAllowed(Role.OWNER_NAME)
    public Uni<TemplateInstance> access(SecurityContext security) {
        return page(SignedIn.bearer(security), null, null);
    }

    /** Renames the organization and sets whether its calls carry their content (a checkbox: sent only when ticked). */
    @POST
    @Path("access/org")
    @RolesAllowed(Role.OWNER_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> changeOrg(@RestForm String name, @RestForm String captureContent,
                                   SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.changeOrg(auth, new RuntimeClient.OrgChange(name, captureContent != null))
                .map(changed -> Response.seeOther(URI.create("/access")).build())
                .onFailure().recoverWithUni(e -> failed(auth, e));
    }

    @POST
    @Path("access/members")
    @RolesAllowed(Role.OWNER_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> addMember(@RestForm String username, @RestForm String password, @RestForm String role,
                                   SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.addMember(auth, new RuntimeClient.NewMember(username,
                        password == null || password.isEmpty() ? null : password, role))
                .map(added -> Response.seeOther(URI.create("/access")).build())
                .onFailure().recoverWithUni(e -> failed(auth, e));
    }

    @POST
    @Path("access/members/{userId}/remove")
    @RolesAllowed(Role.OWNER_NAME)
    public Uni<Response> removeMember(@PathParam("userId") String userId, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.removeMember(auth, userId).map(x -> Response.seeOther(URI.create("/access")).build())
                .onFailure().recoverWithUni(e -> failed(auth, e));
    }

    /** Makes a token and shows it on the page that answers the form, once (never stored or shown again). */
    @POST
    @Path("access/tokens")
    @RolesAllowed(Role.OWNER_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> createToken(@RestForm String name, @RestForm String role, @RestForm String expiresInDays,
                                     SecurityContext security) {
        String auth = SignedIn.bearer(security);
        Integer days;
        try {
            days = expiresInDays == null || expiresInDays.isBlank() ? null : Integer.valueOf(expiresInDays.strip());
        } catch (NumberFormatException e) {
            return page(auth, null, "the days a token lasts are a whole number")
                    .map(html -> Response.status(400).entity(html).build());
        }
        return runtime.createToken(auth, new RuntimeClient.NewToken(name, role, days))
                .flatMap(created -> page(auth, created, null))
                .map(html -> Response.ok(html).header("Cache-Control", "no-store").build())
                .onFailure().recoverWithUni(e -> failed(auth, e));
    }

    @POST
    @Path("access/tokens/{id}/revoke")
    @RolesAllowed(Role.OWNER_NAME)
    public Uni<Response> revokeToken(@PathParam("id") String id, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.revokeToken(auth, id).map(x -> Response.seeOther(URI.create("/access")).build())
                .onFailure().recoverWithUni(e -> failed(auth, e));
    }

    @GET
    @Path("audit")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<TemplateInstance> audit(@QueryParam("action") String action, @QueryParam("actor") String actor,
                                       SecurityContext security) {
        String a = action == null || action.isBlank() ? null : action.strip();
        String who = actor == null || actor.isBlank() ? null : actor.strip();
        return runtime.audit(SignedIn.bearer(security), a, who, 200)
                .map(entries -> Templates.audit(entries, a == null ? "" : a, who == null ? "" : who, null))
                .onFailure().recoverWithItem(e -> Templates.audit(List.of(), a == null ? "" : a,
                        who == null ? "" : who, Problems.describe(e)));
    }

    private Uni<Response> failed(String auth, Throwable e) {
        return page(auth, null, Problems.describe(e)).map(html -> Response.status(Problems.status(e)).entity(html)
                .build());
    }

    private Uni<TemplateInstance> page(String auth, RuntimeClient.TokenCreated newToken, String error) {
        return Uni.combine().all().unis(runtime.org(auth), runtime.members(auth), runtime.tokens(auth)).asTuple()
                .map(all -> Templates.access(all.getItem1(), all.getItem2(), all.getItem3(), ROLES, newToken, error))
                .onFailure().recoverWithItem(e -> Templates.access(null, List.of(), List.of(), ROLES, newToken,
                        error != null ? error : Problems.describe(e)));
    }
}

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
import java.util.List;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Tool calls waiting for an operator: the list (all sessions) with approve and deny, and the JSON decision the chat
 * page's buttons send.
 */
@Path("/approvals")
@RolesAllowed(Role.VIEWER_NAME)
public class ApprovalPage {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance list(List<RuntimeClient.Approval> approvals, String error);
    }

    private final RuntimeClient runtime;

    public ApprovalPage(@RestClient RuntimeClient runtime) {
        this.runtime = runtime;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Uni<TemplateInstance> list(SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return page(auth, null);
    }

    /** The list's buttons: decides, then shows the list again (with the runtime's refusal, if any). */
    @POST
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> decideFromForm(@PathParam("id") String id, @RestForm String decision,
                                       @RestForm String reason, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.decide(auth, id, new RuntimeClient.Decision(decision, blankToNull(reason)))
                .map(decided -> Response.seeOther(URI.create("/approvals")).build())
                .onFailure().recoverWithUni(e -> page(auth, Problems.describe(e))
                        .map(html -> Response.status(Problems.status(e)).entity(html).build()));
    }

    /** The chat page's buttons: 200 with the approval, or the runtime's problem (409: decided already). */
    @POST
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> decide(@PathParam("id") String id, RuntimeClient.Decision decision, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.decide(auth, id, decision).map(decided -> Response.ok(decided).build())
                .onFailure().recoverWithItem(SessionPage::problem);
    }

    private Uni<TemplateInstance> page(String auth, String error) {
        return runtime.pendingApprovals(auth).map(pending -> Templates.list(pending, error))
                .onFailure().recoverWithItem(e -> Templates.list(List.of(), Problems.describe(e)));
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.strip();
    }
}

package io.switchboard.admin.rest;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.RuntimeClient;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import jakarta.annotation.security.RolesAllowed;
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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Background jobs: how many are queued, running, retrying, and ended in the last day (done, failed, cancelled), by
 * kind; the newest ones with their attempts and last error; cancelled or retried by admins. A platform administrator
 * may look at every organization's, the platform's own included.
 */
@Path("/jobs")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed(Role.VIEWER_NAME)
public class JobPage {
    static final List<String> STATUSES = List.of("queued", "running", "retrying", "done", "failed", "cancelled");

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance list(RuntimeClient.Jobs jobs, List<String> statuses, String kind,
                                            String status, String scope, String error);
    }

    private final RuntimeClient runtime;

    public JobPage(@RestClient RuntimeClient runtime) {
        this.runtime = runtime;
    }

    @GET
    public Uni<TemplateInstance> list(@QueryParam("kind") String kind, @QueryParam("status") String status,
                                      @QueryParam("scope") String scope, SecurityContext security) {
        String known = status != null && STATUSES.contains(status) ? status : null;
        return page(SignedIn.bearer(security), blankToNull(kind), known, scope(scope, security), null);
    }

    @POST
    @Path("/{kind}/{key}/{action}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> act(@PathParam("kind") String kind, @PathParam("key") String key,
                             @PathParam("action") String action, @QueryParam("scope") String scope,
                             SecurityContext security) {
        String auth = SignedIn.bearer(security);
        String s = scope(scope, security);
        if (!List.of("cancel", "retry").contains(action)) {
            throw new jakarta.ws.rs.NotFoundException();
        }
        return runtime.jobAction(auth, kind, key, action, s)
                .map(x -> Response.seeOther(URI.create("/jobs?scope=" + URLEncoder.encode(s, StandardCharsets.UTF_8)))
                        .build())
                .onFailure().recoverWithUni(e -> page(auth, null, null, s, Problems.describe(e))
                        .map(html -> Response.status(Problems.status(e)).entity(html).build()));
    }

    private Uni<TemplateInstance> page(String auth, String kind, String status, String scope, String error) {
        return runtime.jobs(auth, kind, status, scope)
                .map(jobs -> Templates.list(jobs, STATUSES, kind, status, scope, error))
                .onFailure().recoverWithItem(e -> Templates.list(new RuntimeClient.Jobs(
                        new RuntimeClient.JobSummary(Map.of()), List.of()), STATUSES, kind, status, scope,
                        error != null ? error : Problems.describe(e)));
    }

    private static String scope(String scope, SecurityContext security) {
        return "platform".equals(scope) && Caller.of(security).platformAdmin() ? "platform" : "org";
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.strip();
    }
}

package io.switchboard.admin.rest;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.EvalClient;
import io.switchboard.admin.client.GatewayClient;
import io.switchboard.admin.client.RuntimeClient;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Background jobs of agent-runtime (schedules' ticks, webhook deliveries' turns, its maintenance), llm-gateway (its
 * maintenance) and eval-runner (suites' scheduled runs): how many are queued, running, retrying, and ended in the last
 * day (done, failed, cancelled), by service and kind; the newest ones with their attempts and last error; cancelled or
 * retried by admins. A platform administrator may look at every organization's, the platform's own included.
 */
@Path("/jobs")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed(Role.VIEWER_NAME)
public class JobPage {
    static final List<String> STATUSES = List.of("queued", "running", "retrying", "done", "failed", "cancelled");
    static final String RUNTIME = "agent-runtime";
    static final String GATEWAY = "llm-gateway";
    static final String EVALS = "eval-runner";

    /** A job and the service that runs it. */
    public record Row(String service, RuntimeClient.Job job) {
    }

    /** Counts by "service kind", then status. */
    public record View(Map<String, Map<String, Long>> summary, List<Row> jobs) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance list(View jobs, List<String> statuses, String kind, String status,
                                            String scope, String error);
    }

    private final RuntimeClient runtime;
    private final GatewayClient gateway;
    private final EvalClient evals;

    public JobPage(@RestClient RuntimeClient runtime, @RestClient GatewayClient gateway, @RestClient EvalClient evals) {
        this.runtime = runtime;
        this.gateway = gateway;
        this.evals = evals;
    }

    @GET
    public Uni<TemplateInstance> list(@QueryParam("kind") String kind, @QueryParam("status") String status,
                                      @QueryParam("scope") String scope, SecurityContext security) {
        String known = status != null && STATUSES.contains(status) ? status : null;
        return page(SignedIn.bearer(security), blankToNull(kind), known, scope(scope, security), null);
    }

    @POST
    @Path("/{service}/{kind}/{key}/{action}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> act(@PathParam("service") String service, @PathParam("kind") String kind,
                             @PathParam("key") String key, @PathParam("action") String action,
                             @QueryParam("scope") String scope, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        String s = scope(scope, security);
        if (!List.of("cancel", "retry").contains(action) || !List.of(RUNTIME, GATEWAY, EVALS).contains(service)) {
            throw new NotFoundException();
        }
        Uni<Void> done = switch (service) {
            case RUNTIME -> runtime.jobAction(auth, kind, key, action, s);
            case GATEWAY -> gateway.jobAction(auth, kind, key, action, s);
            default -> evals.jobAction(auth, kind, key, action, s);
        };
        return done.map(x -> Response.seeOther(URI.create("/jobs?scope=" + s)).build())
                .onFailure().recoverWithUni(e -> page(auth, null, null, s, Problems.describe(e))
                        .map(html -> Response.status(Problems.status(e)).entity(html).build()));
    }

    private Uni<TemplateInstance> page(String auth, String kind, String status, String scope, String error) {
        return Uni.combine().all().unis(runtime.jobs(auth, kind, status, scope), gateway.jobs(auth, kind, status,
                        scope), evals.jobs(auth, kind, status, scope)).asTuple()
                .map(all -> Templates.list(view(Map.of(RUNTIME, all.getItem1(), GATEWAY, all.getItem2(), EVALS,
                        all.getItem3())), STATUSES, kind, status, scope, error))
                .onFailure().recoverWithItem(e -> Templates.list(new View(Map.of(), List.of()), STATUSES, kind,
                        status, scope, error != null ? error : Problems.describe(e)));
    }

    /** The services' jobs: their counts side by side, their jobs newest first. */
    static View view(Map<String, RuntimeClient.Jobs> byService) {
        Map<String, Map<String, Long>> summary = new TreeMap<>();
        List<Row> rows = new ArrayList<>();
        byService.forEach((service, jobs) -> {
            jobs.summary().byKind().forEach((kind, counts) -> summary.put(service + " " + kind, counts));
            jobs.jobs().forEach(job -> rows.add(new Row(service, job)));
        });
        rows.sort(Comparator.comparing((Row r) -> r.job().at(),
                Comparator.nullsLast(Comparator.<Instant>naturalOrder())).reversed());
        return new View(summary, rows);
    }

    private static String scope(String scope, SecurityContext security) {
        return "platform".equals(scope) && Caller.of(security).platformAdmin() ? "platform" : "org";
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.strip();
    }
}

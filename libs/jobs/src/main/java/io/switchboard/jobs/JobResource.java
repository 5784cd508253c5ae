package io.switchboard.jobs;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiInput;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The service's background jobs: queued, running, retrying, and those that ended in the last day (done, failed,
 * cancelled), by kind; cancelled or retried by hand. The organization's jobs; a platform administrator's
 * {@code scope=platform} shows every job, the platform's own included.
 */
@Path("/api/jobs")
@RolesAllowed(Role.VIEWER_NAME)
public class JobResource {
    private final JobBoard board;

    public JobResource(JobBoard board) {
        this.board = board;
    }

    /** Counts by kind and status, and the newest jobs. */
    public record JobsView(JobBoard.Summary summary, List<JobBoard.Listed> jobs) {
    }

    @GET
    public Uni<JobsView> list(@QueryParam("kind") String kind, @QueryParam("status") String status,
                              @QueryParam("scope") String scope, @QueryParam("limit") String limit,
                              SecurityContext security) {
        if (status != null && !JobBoard.STATUSES.contains(status)) {
            throw Problem.badRequest("status must be one of queued, running, retrying, done, failed, cancelled");
        }
        if (kind != null && kind.length() > 100) {
            throw Problem.badRequest("kind is at most 100 characters");
        }
        int n = (int) ApiInput.wholeNumber("limit", limit, 100);
        if (n < 1 || n > 1000) {
            throw Problem.badRequest("limit must be between 1 and 1000");
        }
        UUID org = org(scope, security);
        Instant since = Instant.now().minus(Duration.ofDays(1));
        return Uni.combine().all().unis(board.summary(org, since), board.list(org, kind, status, since, n))
                .asTuple().map(both -> new JobsView(both.getItem1(), both.getItem2()));
    }

    /** Takes a job off the queue: 204; 409 while it runs or when its kind is not cancelled by hand; 404 for none. */
    @POST
    @Path("/{kind}/{key}/cancel")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> cancel(@PathParam("kind") String kind, @PathParam("key") String key,
                                @QueryParam("scope") String scope, SecurityContext security) {
        return board.cancel(org(scope, security), kind, key).map(outcome -> answer(outcome, kind, key));
    }

    /**
     * Runs a waiting job now, or queues again one that failed or was cancelled: 204; 409 while it runs or when its
     * kind is not retried by hand.
     */
    @POST
    @Path("/{kind}/{key}/retry")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> retry(@PathParam("kind") String kind, @PathParam("key") String key,
                               @QueryParam("scope") String scope, SecurityContext security) {
        return board.retry(org(scope, security), kind, key).map(outcome -> answer(outcome, kind, key));
    }

    private static Response answer(JobBoard.Outcome outcome, String kind, String key) {
        return switch (outcome) {
            case DONE -> Response.noContent().build();
            case RUNNING -> throw Problem.conflict("job " + kind + " " + key + " is running");
            case NOT_FOUND -> throw Problem.notFound("there is no job " + kind + " " + key + " to do that to");
            case NOT_CANCELLABLE -> throw Problem.conflict("a " + kind + " job is not cancelled or retried by hand:"
                    + " it belongs to a schedule (pause or resume it) or to the platform's upkeep");
        };
    }

    /** The caller's organization; none (every job) for a platform administrator who asks for the platform. */
    private static UUID org(String scope, SecurityContext security) {
        Caller caller = Caller.of(security);
        if (scope == null || scope.equals("org")) {
            return caller.orgId();
        }
        if (!scope.equals("platform")) {
            throw Problem.badRequest("scope must be org or platform");
        }
        if (!caller.platformAdmin()) {
            throw new Problem(403, "Forbidden", "only platform administrators see every organization's jobs");
        }
        return null;
    }
}

package io.switchboard.runtime.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiInput;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.runtime.repository.Approval;
import io.switchboard.runtime.repository.ApprovalRepository;
import io.switchboard.runtime.service.SessionService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;

/**
 * Tool calls waiting for an operator (tools an agent lists in {@code approvalRequired}). Their turns are paused,
 * without a runner, until every call of the step is decided; the pause survives restarts.
 */
@Path("/api/approvals")
@RolesAllowed(Role.VIEWER_NAME)
public class ApprovalResource {
    static final int MAX_REASON = 2000;

    private final ApprovalRepository approvals;
    private final SessionService sessions;

    public ApprovalResource(ApprovalRepository approvals, SessionService sessions) {
        this.approvals = approvals;
        this.sessions = sessions;
    }

    /** {@code decision} is {@code approve} or {@code deny}; {@code reason} (optional) is passed to the model on a denial. */
    public record Decision(String decision, String reason) {
    }

    /** The undecided approvals of turns still waiting, oldest first. */
    @GET
    public Uni<List<Approval>> pending(@QueryParam("limit") String limit, SecurityContext security) {
        return approvals.pending(Caller.of(security).orgId(), (int) Math.max(1, Math.min(ApiInput.wholeNumber("limit", limit, 100), 1000)));
    }

    /**
     * Decides; 200 with the approval as it now stands. 409 when it was decided before or its turn has ended
     * (cancelled, failed), 404 when there is no such approval.
     */
    @Consumes(MediaType.APPLICATION_JSON)
    @POST
    @Path("/{id}")
    @RolesAllowed(Role.OPERATOR_NAME)
    public Uni<Approval> decide(@PathParam("id") String id, Decision body, SecurityContext security) {
        if (body == null || body.decision() == null || !List.of("approve", "deny").contains(body.decision())) {
            throw Problem.badRequest("decision must be \"approve\" or \"deny\"");
        }
        if (body.reason() != null && body.reason().length() > MAX_REASON) {
            throw Problem.badRequest("reason is longer than " + MAX_REASON + " characters");
        }
        return sessions.decide(Caller.of(security).orgId(), Ids.parse(id, "approval"), body.decision().equals("approve"), body.reason())
                .map(decided -> switch (decided.outcome()) {
                    case DECIDED -> decided.approval();
                    case NOT_FOUND -> throw Problem.notFound("approval " + id + " does not exist");
                    case ALREADY_DECIDED -> throw Problem.conflict("approval " + id + " was decided already: "
                            + decided.approval().status());
                    case TURN_ENDED -> throw Problem.conflict("the turn of approval " + id + " has ended");
                });
    }
}

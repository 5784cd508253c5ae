package io.switchboard.runtime.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiInput;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.runtime.repository.AuditRepository;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * The audit log of the caller's organization, newest first: every write of the management APIs of all four services
 * and every sign-in (libs/auth's {@code AuditTrail} writes it). For owners and admins.
 */
@Path("/api/audit")
@RolesAllowed(Role.ADMIN_NAME)
public class AuditResource {
    private final AuditRepository audit;

    public AuditResource(AuditRepository audit) {
        this.audit = audit;
    }

    /**
     * {@code actor} and {@code action} match a part of the entry's ({@code action=agents}), {@code service} exactly;
     * {@code from}/{@code to} are instants ({@code 2026-12-02T10:00:00Z}); {@code before} an entry's id, for the page
     * after one that ended there.
     */
    @GET
    public Uni<List<AuditRepository.Entry>> list(@QueryParam("actor") String actor, @QueryParam("action") String action,
                                                 @QueryParam("service") String service,
                                                 @QueryParam("from") String from, @QueryParam("to") String to,
                                                 @QueryParam("before") String before,
                                                 @QueryParam("limit") String limit, SecurityContext security) {
        int bounded = (int) Math.max(1, Math.min(ApiInput.wholeNumber("limit", limit, 100), 1000));
        long beforeId = ApiInput.wholeNumber("before", before, Long.MAX_VALUE);
        return audit.list(Caller.of(security).orgId(), new AuditRepository.Filter(actor, action, service,
                instant("from", from), instant("to", to), beforeId, bounded));
    }

    private static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw Problem.badRequest(name + " must be an instant such as 2026-12-02T10:00:00Z, not '" + value + "'");
        }
    }
}

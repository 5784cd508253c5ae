package io.switchboard.gateway.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiInput;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.gateway.usage.CallRecord;
import io.switchboard.gateway.usage.CallRecorder;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.TreeSet;

@Path("/api/usage")
@RolesAllowed(Role.VIEWER_NAME)
public class UsageResource {
    private final CallRecorder recorder;

    public UsageResource(CallRecorder recorder) {
        this.recorder = recorder;
    }

    /**
     * Calls, errors, tokens, cost (USD) and median latency, grouped {@code by} day, model, deployment, agent, session or
     * virtual key, for calls started from {@code from} (a date, default 30 days ago) until before {@code to} (a date,
     * default tomorrow), UTC.
     */
    @GET
    public Uni<List<CallRecorder.UsageRow>> usage(@QueryParam("by") @DefaultValue("day") String by,
                                                  @QueryParam("from") String from, @QueryParam("to") String to,
                                                  SecurityContext security) {
        if (!CallRecorder.GROUPINGS.containsKey(by)) {
            throw new BadRequestException("by must be one of " + new TreeSet<>(CallRecorder.GROUPINGS.keySet()));
        }
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        return recorder.usage(Caller.of(security).orgId(), by, day(from, today.minusDays(30)), day(to, today.plusDays(1)));
    }

    /** The most recent LLM calls (at most 500), newest first. */
    @GET
    @Path("/calls")
    public Uni<List<CallRecord>> recentCalls(@QueryParam("limit") String limit, SecurityContext security) {
        return recorder.recent(Caller.of(security).orgId(), (int) Math.max(1, Math.min(ApiInput.wholeNumber("limit", limit, 50), 500)));
    }

    private static Instant day(String text, LocalDate fallback) {
        try {
            return (text == null || text.isBlank() ? fallback : LocalDate.parse(text)).atStartOfDay()
                    .toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new BadRequestException("dates are written 2026-11-27, not '" + text + "'");
        }
    }
}

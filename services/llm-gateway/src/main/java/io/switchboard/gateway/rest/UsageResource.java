package io.switchboard.gateway.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiInput;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.gateway.usage.CallRecord;
import io.switchboard.gateway.usage.CallRecorder;
import io.switchboard.gateway.usage.UsageSeries;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.TreeSet;

@Path("/api/usage")
@RolesAllowed(Role.VIEWER_NAME)
public class UsageResource {
    /** The most buckets one series answers with. */
    private static final int MAX_BUCKETS = 2000;

    private final CallRecorder recorder;
    private final UsageSeries series;

    public UsageResource(CallRecorder recorder, UsageSeries series) {
        this.recorder = recorder;
        this.series = series;
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

    /**
     * The dashboards' series: for ended calls started from {@code from} until before {@code to} (ISO-8601 instants;
     * default the last 24 hours), in buckets of {@code step} seconds (default an hour), split {@code by} model,
     * deployment, agent, key, org or all: calls, errors, tokens, cost, latency and time-to-first-chunk percentiles,
     * turns and sessions. At most 2,000 buckets. {@code scope=platform} (platform administrators only) counts every
     * organization's calls, and may be split by org; the default, {@code org}, the caller's organization's.
     */
    @GET
    @Path("/series")
    public Uni<List<UsageSeries.Point>> series(@QueryParam("from") String from, @QueryParam("to") String to,
                                               @QueryParam("step") String step, @QueryParam("by") String by,
                                               @QueryParam("scope") String scope, SecurityContext security) {
        String split = by == null ? "all" : by;
        if (!UsageSeries.SPLITS.containsKey(split)) {
            throw new BadRequestException("by must be one of " + new TreeSet<>(UsageSeries.SPLITS.keySet()));
        }
        boolean platform = "platform".equals(scope);
        if (scope != null && !platform && !"org".equals(scope)) {
            throw new BadRequestException("scope must be org or platform");
        }
        Caller caller = Caller.of(security);
        if (platform && !caller.platformAdmin()) {
            throw new Problem(403, "Forbidden", "only platform administrators see the whole platform's usage");
        }
        if (split.equals("org") && !platform) {
            throw new BadRequestException("by=org needs scope=platform: an organization's calls are all its own");
        }
        Instant until = instant("to", to, Instant.now());
        Instant since = instant("from", from, until.minus(Duration.ofDays(1)));
        long seconds = ApiInput.wholeNumber("step", step, 3600);
        if (seconds < 1 || !since.isBefore(until)
                || Duration.between(since, until).toSeconds() / seconds > MAX_BUCKETS) {
            throw new BadRequestException("from must be before to, and step (seconds, at least 1) make at most "
                    + MAX_BUCKETS + " buckets between them");
        }
        return series.of(platform ? null : caller.orgId(), since, until, Duration.ofSeconds(seconds), split);
    }

    private static Instant instant(String name, String text, Instant fallback) {
        try {
            return text == null || text.isBlank() ? fallback : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new BadRequestException(name + " must be an ISO-8601 instant, such as 2026-12-01T00:00:00Z");
        }
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

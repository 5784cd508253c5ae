package io.switchboard.runtime.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.jobs.Cron;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.repository.AgentRepository;
import io.switchboard.runtime.service.SessionService;
import io.switchboard.runtime.triggers.ScheduleRepository;
import io.switchboard.runtime.triggers.ScheduleRepository.Schedule;
import io.switchboard.runtime.triggers.Schedules;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Agents on a schedule: at each tick of a cron expression the agent gets the message, in a new session each time or in
 * one that goes on. Paused, resumed, deleted; each shows its next ticks and the ticks that ran.
 */
@Path("/api/schedules")
@RolesAllowed(Role.VIEWER_NAME)
public class ScheduleResource {
    private static final int NEXT_RUNS = 5;

    private final Schedules schedules;
    private final ScheduleRepository store;
    private final AgentRepository agents;
    private final SessionService sessions;
    private final RuntimeConfig config;

    public ScheduleResource(Schedules schedules, ScheduleRepository store, AgentRepository agents,
                            SessionService sessions, RuntimeConfig config) {
        this.config = config;
        this.schedules = schedules;
        this.store = store;
        this.agents = agents;
        this.sessions = sessions;
    }

    /** {@code cron}: five Unix fields, or six with seconds first; {@code timezone}: IANA, UTC by default. */
    public record NewSchedule(String agentId, String cron, String timezone, String message, String sessionMode) {
    }

    public record ScheduleView(UUID id, UUID agentId, String cron, String timezone, String message,
                               String sessionMode, UUID sessionId, boolean paused, String createdBy,
                               Instant createdAt, List<Instant> nextRuns, List<ScheduleRepository.Ran> lastRuns) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> create(NewSchedule body, SecurityContext security) {
        Caller caller = Caller.of(security);
        if (body == null) {
            throw Problem.badRequest("a JSON body with agentId, cron and message is required");
        }
        if (body.agentId() == null) {
            throw Problem.badRequest("agentId is required");
        }
        UUID agentId = Ids.parseOr(body.agentId(), () -> Problem.badRequest("agentId: not an agent id"));
        Cron cron;
        try {
            cron = Cron.parse(body.cron(), body.timezone());
        } catch (IllegalArgumentException e) {
            throw Problem.badRequest(e.getMessage());
        }
        List<Instant> ticks = cron.next(Instant.now(), 10);
        if (ticks.isEmpty()) {
            throw Problem.badRequest("cron: the expression never comes round again");
        }
        for (int i = 1; i < ticks.size(); i++) {
            if (Duration.between(ticks.get(i - 1), ticks.get(i)).compareTo(config.schedules().minInterval()) < 0) {
                throw Problem.badRequest("cron: ticks may be no closer than " + config.schedules().minInterval()
                        .toSeconds() + " s apart (runtime.schedules.min-interval)");
            }
        }
        String problem = sessions.checkMessage(body.message());
        if (problem != null) {
            throw Problem.badRequest("message: " + problem.replaceFirst("^text ", ""));
        }
        String mode = body.sessionMode() == null ? "new" : body.sessionMode();
        if (!Schedules.SESSION_MODES.contains(mode)) {
            throw Problem.badRequest("sessionMode must be new (a session per tick) or reuse (one session)");
        }
        return agents.find(caller.orgId(), agentId).flatMap(agent -> {
            if (agent == null) {
                throw Problem.badRequest("agentId: there is no agent " + agentId);
            }
            return schedules.create(caller.orgId(), agentId, cron, body.message(), mode, caller.subject());
        }).map(made -> Response.status(201).entity(view(made, List.of())).build());
    }

    @GET
    public Uni<List<ScheduleView>> list(SecurityContext security) {
        return store.list(Caller.of(security).orgId())
                .map(all -> all.stream().map(s -> view(s, List.of())).toList());
    }

    @GET
    @Path("/{id}")
    public Uni<ScheduleView> get(@PathParam("id") String id, SecurityContext security) {
        return existing(Caller.of(security).orgId(), id)
                .flatMap(s -> store.runs(s.id(), 20).map(runs -> view(s, runs)));
    }

    @POST
    @Path("/{id}/pause")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<ScheduleView> pause(@PathParam("id") String id, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        return existing(org, id).call(s -> schedules.pause(org, s.id())).flatMap(s -> get(id, security));
    }

    @POST
    @Path("/{id}/resume")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<ScheduleView> resume(@PathParam("id") String id, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        return existing(org, id).call(s -> schedules.resume(org, s.id())).flatMap(s -> get(id, security));
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> delete(@PathParam("id") String id, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        return schedules.delete(org, Ids.parse(id, "schedule")).map(deleted -> {
            if (!deleted) {
                throw Problem.notFound("schedule " + id + " does not exist");
            }
            return Response.noContent().build();
        });
    }

    private Uni<Schedule> existing(UUID org, String id) {
        return store.find(org, Ids.parse(id, "schedule")).map(s -> {
            if (s == null) {
                throw Problem.notFound("schedule " + id + " does not exist");
            }
            return s;
        });
    }

    private ScheduleView view(Schedule s, List<ScheduleRepository.Ran> runs) {
        return new ScheduleView(s.id(), s.agentId(), s.cron(), s.timezone(), s.message(), s.sessionMode(),
                s.sessionId(), s.paused(), s.createdBy(), s.createdAt(), schedules.nextRuns(s, NEXT_RUNS), runs);
    }
}

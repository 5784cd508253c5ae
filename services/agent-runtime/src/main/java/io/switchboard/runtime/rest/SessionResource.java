package io.switchboard.runtime.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiInput;
import io.switchboard.api.Problem;
import io.switchboard.api.Unavailable;
import io.switchboard.auth.Caller;
import io.switchboard.auth.DataPlane;
import io.switchboard.auth.Role;
import io.switchboard.contracts.agent.AgentEvent;
import io.switchboard.messaging.KafkaBacklog;
import io.switchboard.runtime.messaging.SessionEventHub;
import io.switchboard.runtime.repository.AgentRepository;
import io.switchboard.runtime.repository.Approval;
import io.switchboard.runtime.repository.ApprovalRepository;
import io.switchboard.runtime.repository.Session;
import io.switchboard.runtime.repository.SessionRepository;
import io.switchboard.runtime.repository.StoredMessage;
import io.switchboard.runtime.repository.Turn;
import io.switchboard.runtime.service.SessionService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

@Path("/api/sessions")
@RolesAllowed(Role.VIEWER_NAME)
public class SessionResource {
    private final SessionService service;
    private final SessionRepository sessions;
    private final SessionEventHub hub;
    private final ObjectMapper json;
    private final ApprovalRepository approvals;
    private final AgentRepository agents;
    private final SentCalls sentCalls;

    public SessionResource(SessionService service, SessionRepository sessions, SessionEventHub hub, ObjectMapper json,
                           ApprovalRepository approvals, AgentRepository agents, SentCalls sentCalls) {
        this.sentCalls = sentCalls;
        this.approvals = approvals;
        this.agents = agents;
        this.service = service;
        this.sessions = sessions;
        this.hub = hub;
        this.json = json;
    }

    /** {@code version} pins the session to that version of the agent; left out, it gets the published one. */
    public record CreateSession(String agentId, Integer version) {
    }

    public record PostMessage(String text) {
    }

    /** How long a client waits before it sends again a message the journal could not take. */
    private static final Duration RETRY_LATER = Duration.ofSeconds(2);

    public record TurnAccepted(UUID turnId) {
    }

    /** {@code parentSessionId}: the session whose agent asked this one's (a sub-agent's session), or null. */
    /**
     * A session in a list; in the organization's list also its turns so far, its {@code status} (its newest turn's, or
     * {@code idle}), what its priced turns cost, its newest error code and when its newest turn began.
     */
    public record SessionSummary(UUID id, UUID agentId, int agentVersion, String agentName, Instant createdAt,
                                 UUID parentSessionId, int depth, Integer turns, String status, BigDecimal costUsd,
                                 String lastErrorCode, Instant lastActivity) {
        static SessionSummary of(Session s) {
            return new SessionSummary(s.id(), s.agentId(), s.agentVersion(), s.agentName(), s.createdAt(),
                    s.parentSessionId(), s.depth(), null, null, null, null, null);
        }

        static SessionSummary of(SessionRepository.Listed listed) {
            Session s = listed.session();
            return new SessionSummary(s.id(), s.agentId(), s.agentVersion(), s.agentName(), s.createdAt(),
                    s.parentSessionId(), s.depth(), listed.turns(), listed.status(), listed.costUsd(),
                    listed.lastErrorCode(), listed.lastActivity());
        }
    }

    public record MessageView(int position, UUID turnId, String role, String content, String toolCalls,
                              String toolCallId, Instant createdAt) {
        static MessageView of(StoredMessage m) {
            return new MessageView(m.position(), m.turnId(), m.role(), m.content(), m.toolCalls(), m.toolCallId(),
                    m.createdAt());
        }
    }

    /** A turn; {@code attempts} is how many runners started it (more than one after a crash). */
    public record TurnView(UUID id, String userText, String status, String errorCode, String errorReason,
                           Instant createdAt, Instant finishedAt, int attempts) {
        static TurnView of(Turn t) {
            return new TurnView(t.id(), t.userText(), t.status(), t.errorCode(), t.errorReason(), t.createdAt(),
                    t.finishedAt(), t.attempts());
        }
    }

    /**
     * A session with its conversation in order, its turns (with their status and errors) and its approvals;
     * {@code onBusy} is its agent version's policy for a message sent while a turn runs.
     */
    public record SessionDetail(UUID id, UUID agentId, int agentVersion, String agentName, String onBusy,
                                Instant createdAt, UUID parentSessionId, long lastSeq, List<MessageView> messages,
                                List<TurnView> turns, List<Approval> approvals) {
    }

    @Consumes(MediaType.APPLICATION_JSON)
    @POST
    @RolesAllowed(Role.OPERATOR_NAME)
    @DataPlane
    public Uni<Response> create(CreateSession body, @Context UriInfo uri, SecurityContext security) {
        if (body == null || body.agentId() == null || body.agentId().isBlank()) {
            throw Problem.badRequest("agentId is required");
        }
        UUID agentId = Ids.parse(body.agentId(), "agent");
        return service.open(Caller.of(security).orgId(), agentId, body.version()).map(session -> {
            if (session == null) {
                throw Problem.notFound(body.version() == null ? "agent " + body.agentId() + " does not exist"
                        : "agent " + body.agentId() + " has no version " + body.version());
            }
            return Response.created(uri.getAbsolutePathBuilder().path(session.id().toString()).build())
                    .entity(SessionSummary.of(session)).build();
        });
    }

    /**
     * The newest sessions, those that pass the filters (each optional): {@code agentId}; {@code status}, the newest
     * turn's ({@code idle}: none yet); {@code since} and {@code until}, when they started (ISO-8601 instants);
     * {@code minCostUsd}; {@code errorCode}, one of its turns failed with. With {@code parent} instead: the sessions
     * of that session's sub-agent calls, oldest first.
     */
    @GET
    public Uni<List<SessionSummary>> list(@QueryParam("limit") String limit, @QueryParam("parent") String parent,
                                          @QueryParam("agentId") String agentId, @QueryParam("status") String status,
                                          @QueryParam("since") String since, @QueryParam("until") String until,
                                          @QueryParam("minCostUsd") String minCostUsd,
                                          @QueryParam("errorCode") String errorCode, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        int bounded = (int) Math.max(1, Math.min(ApiInput.wholeNumber("limit", limit, 100), 1000));
        if (parent != null) {
            return existing(org, Ids.parse(parent, "session")).flatMap(session -> sessions.children(session.id(),
                    bounded)).map(all -> all.stream().map(SessionSummary::of).toList());
        }
        SessionRepository.Filter filter = new SessionRepository.Filter(
                agentId == null ? null : Ids.parseOr(agentId, () -> Problem.badRequest("agentId must be an agent's id")),
                status(status), instant("since", since), instant("until", until), cost(minCostUsd),
                text("errorCode", errorCode));
        return sessions.search(org, filter, bounded).map(all -> all.stream().map(SessionSummary::of).toList());
    }

    /** The statuses a session can be found by: its newest turn's. */
    private static final Set<String> STATUSES = Set.of("idle", Turn.PENDING, Turn.RUNNING, Turn.WAITING,
            Turn.COMPLETED, Turn.FAILED, Turn.CANCELLED);

    private static String status(String status) {
        if (status != null && !STATUSES.contains(status)) {
            throw Problem.badRequest("status must be one of " + new TreeSet<>(STATUSES));
        }
        return status;
    }

    private static Instant instant(String name, String value) {
        try {
            return value == null ? null : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw Problem.badRequest(name + " must be an ISO-8601 instant, such as 2026-12-01T00:00:00Z");
        }
    }

    private static BigDecimal cost(String value) {
        try {
            BigDecimal cost = value == null ? null : new BigDecimal(value);
            if (cost != null && (cost.signum() < 0 || cost.precision() > 30)) {
                throw new NumberFormatException();
            }
            return cost;
        } catch (NumberFormatException e) {
            throw Problem.badRequest("minCostUsd must be a number of US dollars, 0 or more");
        }
    }

    private static String text(String name, String value) {
        if (value != null && (value.isBlank() || value.length() > 100)) {
            throw Problem.badRequest(name + " must be 1 to 100 characters");
        }
        return value;
    }

    @GET
    @Path("/{id}")
    public Uni<SessionDetail> get(@PathParam("id") String id, SecurityContext security) {
        UUID sessionId = Ids.parse(id, "session");
        return existing(Caller.of(security).orgId(), sessionId).flatMap(session -> agents.find(session.agentId(), session.agentVersion())
                .flatMap(agent -> sessions.messages(sessionId)
                .flatMap(messages -> sessions.turns(sessionId)
                        .flatMap(turns -> approvals.ofSession(sessionId).map(asked -> new SessionDetail(session.id(),
                                session.agentId(), session.agentVersion(), session.agentName(), agent.onBusy(),
                                session.createdAt(), session.parentSessionId(), session.lastSeq(),
                                messages.stream().map(MessageView::of).toList(),
                                turns.stream().map(TurnView::of).toList(), asked))))));
    }

    /**
     * One model call of the session as it was sent: the system prompt (with the summary standing for older turns,
     * if any), then the journal from {@code firstPosition} to {@code lastPosition}; {@code promptTokens} as counted
     * before the call to fit the agent's window (null for an agent without one); {@code answer} what the model answered,
     * as journaled (null while the call runs, or when the turn failed in it).
     */
    public record ModelCallView(String requestId, UUID turnId, String model, Integer promptTokens, Instant createdAt,
                                Integer snapshotPosition, int firstPosition, int lastPosition,
                                List<SentMessage> messages, SentMessage answer) {
    }

    /** A message as the model got it; {@code toolCalls} is a JSON array or null. */
    public record SentMessage(String role, String content, String toolCalls, String toolCallId) {
    }

    /** What each model call of the session was sent, oldest first: for the debugger. */
    @GET
    @Path("/{id}/calls")
    public Uni<List<ModelCallView>> calls(@PathParam("id") String id, SecurityContext security) {
        UUID sessionId = Ids.parse(id, "session");
        return existing(Caller.of(security).orgId(), sessionId).flatMap(sentCalls::of).map(SentCalls.Sent::calls);
    }

    /**
     * Takes a message for the session: 202 with its {@code turnId} once the journal has it (for an agent that rejects
     * or interrupts while busy: once {@code agent.commands} has it); its events follow on the session's stream. 409
     * when its agent takes no message while busy; 503 with {@code Retry-After} while the journal is out of reach, or,
     * for an agent that rejects or interrupts, when Kafka has not confirmed the message within 15 s. A
     * client that sends the message again after a failure or a timeout names it with the same
     * {@code Idempotency-Key}: it is the same turn, journaled and run once (200 with its {@code turnId} once it is
     * journaled; 422 for another message under the same key).
     */
    @Consumes(MediaType.APPLICATION_JSON)
    @POST
    @Path("/{id}/messages")
    @RolesAllowed(Role.OPERATOR_NAME)
    @DataPlane
    public Uni<Response> post(@PathParam("id") String id, @HeaderParam("Idempotency-Key") String idempotencyKey,
                              PostMessage body, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        UUID sessionId = Ids.parse(id, "session");
        String problem = service.checkMessage(body == null ? null : body.text());
        if (problem != null) {
            throw problem.startsWith("text is longer") ? Problem.tooLarge(problem) : Problem.badRequest(problem);
        }
        UUID turnId = turnOf(org, sessionId, idempotencyKey);
        io.opentelemetry.context.Context trace = io.opentelemetry.context.Context.current();
        return agents.runsOn(sessionId).flatMap(agent -> {
            if (agent == null || !agent.orgId().equals(org)) {
                throw Problem.notFound("session " + sessionId + " does not exist");
            }
            Uni<Turn> before = idempotencyKey == null ? Uni.createFrom().nullItem() : sessions.turn(turnId);
            return before.flatMap(sent -> {
                if (sent != null) {
                    return Uni.createFrom().item(sentBefore(sent, sessionId, body.text()));
                }
                return service.refusal(sessionId, turnId, agent).flatMap(refused -> {
                    if (refused != null) {
                        throw Problem.conflict(refused);
                    }
                    return service.post(org, sessionId, turnId, agent, body.text(), trace).map(rejected -> {
                        if (rejected != null) {
                            throw Problem.notFound(rejected);
                        }
                        return Response.accepted(new TurnAccepted(turnId)).build();
                    });
                });
            });
        }).onFailure(Unavailable::database).transform(e -> Problem.unavailable(
                "the journal (PostgreSQL) is out of reach; send the message again", RETRY_LATER))
                .onFailure(KafkaBacklog::kafkaUnavailable).transform(e -> Problem.unavailable(
                        "Kafka, which carries the message to its agent, did not confirm it in time (or too many"
                                + " messages already wait for it); send it again under the same Idempotency-Key (it is"
                                + " then the same turn, run once)", RETRY_LATER));
    }

    /** A message sent again under its Idempotency-Key: 200 with its turn (whatever became of it), or 422 if another. */
    private static Response sentBefore(Turn sent, UUID sessionId, String text) {
        if (!sent.sessionId().equals(sessionId) || !Objects.equals(sent.userText(), text)) {
            throw new Problem(422, "Unprocessable Content", "this Idempotency-Key was used for another message");
        }
        return Response.ok(new TurnAccepted(sent.id())).build();
    }

    /** A new turn's id, or for a message named by the client, the one id that name always gives in the session. */
    private static UUID turnOf(UUID org, UUID sessionId, String idempotencyKey) {
        if (idempotencyKey == null) {
            return UUID.randomUUID();
        }
        if (idempotencyKey.isBlank() || idempotencyKey.length() > 255
                || !idempotencyKey.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw Problem.badRequest("Idempotency-Key must be 1 to 255 printable ASCII characters");
        }
        return UUID.nameUUIDFromBytes(("message " + org + " " + sessionId + " " + idempotencyKey)
                .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Stops the session's running (or next) turn: 202 with its {@code turnId}; it ends {@code cancelled} (event
     * {@code turn_failed}, code {@code cancelled}). 409 when no turn is unfinished.
     */
    @POST
    @Path("/{id}/cancel")
    @RolesAllowed(Role.OPERATOR_NAME)
    public Uni<Response> cancel(@PathParam("id") String id, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        UUID sessionId = Ids.parse(id, "session");
        return existing(org, sessionId).flatMap(session -> service.cancel(sessionId)).map(turnId -> {
            if (turnId == null) {
                throw Problem.conflict("session " + id + " has no turn to cancel");
            }
            return Response.accepted(new TurnAccepted(turnId)).build();
        }).onFailure(Unavailable::database).transform(e -> Problem.unavailable(
                "the journal (PostgreSQL) is out of reach; cancel again", RETRY_LATER));
    }

    /**
     * The session's events as SSE: {@code event:} is the event's stream name, {@code id:} its seq. A client that
     * reconnects with {@code Last-Event-ID} gets the events after that seq, or, from a replica that no longer has them
     * (it started later), a {@code snapshot} event that supersedes them; {@code ?after=} (the session as committed up
     * to that seq) gets a snapshot only when more was committed since.
     */
    @GET
    @Path("/{id}/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @OwnSession
    public Multi<OutboundSseEvent> stream(@PathParam("id") String id, @HeaderParam("Last-Event-ID") String lastEventId,
                                          @QueryParam("after") String after, @Context Sse sse,
                                          SecurityContext security) {
        UUID sessionId = Ids.parse(id, "session");
        long afterSeq = lastEventId != null ? parseSeq(lastEventId) : ApiInput.wholeNumber("after", after, Long.MAX_VALUE);
        // @OwnSession checked the session is the caller's before the stream began (a 404 cannot follow a 200)
        return existing(Caller.of(security).orgId(), sessionId).onItem().transformToMulti(session -> {
            if (afterSeq == Long.MAX_VALUE) {
                return events(id, session.lastSeq(), sse);
            }
            // A client that followed the stream (Last-Event-ID) missed nothing if nothing was sent after its last
            // event (every event's seq is reserved before it is sent). One that starts from the session as committed
            // (?after=, a page drawn from it) needs only what was committed since: a running turn's earlier events are
            // not in that session either, and a snapshot would only draw it again (a page reloading in a loop).
            long sent = lastEventId != null ? session.seqReserved() : session.lastSeq();
            if (sent <= afterSeq || hub.canReplayAfter(id, afterSeq)) {
                return events(id, afterSeq, sse);
            }
            // events were (or may have been) sent after what the client has, and this replica no longer has (or
            // never had) them: the session as committed supersedes them, the stream goes on from there (past the end
            // of every turn it shows, one that ended since the session was read included)
            return sessions.turns(sessionId).onItem().transformToMulti(turns -> {
                long position = Math.max(afterSeq, turns.stream().map(Turn::endSeq).filter(Objects::nonNull)
                        .reduce(session.lastSeq(), Math::max));
                return Multi.createBy().concatenating().streams(
                        Multi.createFrom().item(snapshot(sse, session, turns, afterSeq, position)),
                        events(id, position, sse));
            });
        });
    }

    /**
     * The {@code snapshot} event: the turns that ended after {@code afterSeq} or have not ended, as committed. The
     * session ({@code GET /api/sessions/{id}}) has what their events said; the stream goes on after {@code seq}.
     */
    public record SessionSnapshot(String type, UUID sessionId, long seq, List<TurnView> turns) {
    }

    private OutboundSseEvent snapshot(Sse sse, Session session, List<Turn> turns, long afterSeq, long position) {
        List<TurnView> changed = turns.stream().filter(t -> t.endSeq() == null || t.endSeq() > afterSeq)
                .map(TurnView::of).toList();
        try {
            return sse.newEventBuilder().id(Long.toString(position)).name("snapshot")
                    .data(json.writeValueAsString(new SessionSnapshot("SessionSnapshot", session.id(), position,
                            changed))).build();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The session's events after seq {@code from}, and a ping every 15 s, until this replica stops: then a hint to
     * reconnect in a quarter of a second (with {@code Last-Event-ID}, to a replica that goes on).
     */
    private Multi<OutboundSseEvent> events(String sessionId, long from, Sse sse) {
        // a new client starts with what happens from now on; a returning one with what it missed
        Multi<OutboundSseEvent> events = hub.stream(sessionId, from).map(event -> toSse(sse, event));
        Multi<OutboundSseEvent> pings = Multi.createFrom().ticks().every(Duration.ofSeconds(15))
                .map(tick -> sse.newEventBuilder().comment("ping").build());
        return hub.untilStop(Multi.createBy().merging().streams(events, pings), () -> sse.newEventBuilder()
                .comment("this replica is stopping: reconnect").reconnectDelay(250).build());
    }

    private OutboundSseEvent toSse(Sse sse, AgentEvent event) {
        return sse.newEventBuilder().id(Long.toString(event.seq())).name(event.streamName()).data(toJson(event)).build();
    }

    private String toJson(AgentEvent event) {
        try {
            return json.writeValueAsString(event);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long parseSeq(String lastEventId) {
        try {
            return Long.parseLong(lastEventId.strip());
        } catch (NumberFormatException e) {
            throw Problem.badRequest("Last-Event-ID must be the id of an event of this stream");
        }
    }

    /** The organization's session; another's is as absent as one that never was (404). */
    private Uni<Session> existing(UUID orgId, UUID sessionId) {
        return existing(sessions, orgId, sessionId);
    }

    /** The organization's session, or a 404 (as for one that does not exist) when it is another's. */
    static Uni<Session> existing(SessionRepository sessions, UUID orgId, UUID sessionId) {
        return sessions.find(orgId, sessionId).map(session -> {
            if (session == null) {
                throw Problem.notFound("session " + sessionId + " does not exist");
            }
            return session;
        });
    }
}

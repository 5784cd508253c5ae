package io.switchboard.admin.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.RuntimeClient;
import io.switchboard.admin.client.RuntimeStream;
import io.switchboard.api.StreamEnd;
import io.switchboard.auth.Role;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/** Sessions: the list, the chat page, sending a message, and the live event stream the chat page listens to. */
@Path("/sessions")
@RolesAllowed(Role.VIEWER_NAME)
public class SessionPage {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance list(List<RuntimeClient.SessionSummary> sessions,
                                            List<RuntimeClient.Agent> agents, SessionFilter filter, String error);

        static native TemplateInstance chat(RuntimeClient.SessionDetail session, List<TurnView> turns,
                                            List<RuntimeClient.SessionSummary> subSessions);

        static native TemplateInstance calls(String sessionId, List<RuntimeClient.ModelCall> calls);

        static native TemplateInstance trace(String sessionId, List<TraceView.Row> rows);

        static native TemplateInstance call(String sessionId, RuntimeClient.ModelCall call);
    }

    /** One turn as the chat page draws it: what was said and done, in order, and how it ended. */
    public record TurnView(RuntimeClient.Turn turn, List<Entry> entries) {
    }

    /**
     * One bubble of the chat: {@code kind} is {@code user}, {@code assistant}, {@code tool} (with {@code name},
     * {@code callId}, its arguments as {@code text}, its {@code result}, and the {@code approval} it waits for) or
     * {@code error}.
     */
    public static final class Entry {
        public final String kind;
        public final String text;
        public final String name;
        public final String callId;
        public String result;
        /** The undecided approval this tool call waits for, or null. */
        public RuntimeClient.Approval approval;

        Entry(String kind, String text, String name, String callId) {
            this.kind = kind;
            this.text = text;
            this.name = name;
            this.callId = callId;
        }
    }

    private final RuntimeClient runtime;
    private final RuntimeStream stream;
    private final StreamEnd end = new StreamEnd();
    private final ObjectMapper json;

    public SessionPage(@RestClient RuntimeClient runtime, @RestClient RuntimeStream stream, ObjectMapper json) {
        this.runtime = runtime;
        this.stream = stream;
        this.json = json;
    }

    /**
     * The list's filters as the form sends them: an agent's id, a status, a time range (the browser's
     * {@code datetime-local}, read as UTC), at least a cost, an error code; blank for any.
     */
    public record SessionFilter(String agent, String status, String since, String until, String minCost,
                                String errorCode) {
        /** The statuses a session is found by (its newest turn's; idle: none yet). */
        public List<String> statuses() {
            return List.of("idle", "pending", "running", "waiting", "completed", "failed", "cancelled");
        }

        static String blankToNull(String value) {
            return value == null || value.isBlank() ? null : value.strip();
        }

        /** A {@code datetime-local} value as an ISO-8601 instant in UTC ({@code 2026-12-03T10:00} + {@code :00Z}). */
        static String instant(String local) {
            String value = blankToNull(local);
            return value == null ? null : value.length() == 16 ? value + ":00Z" : value.endsWith("Z") ? value
                    : value + "Z";
        }
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Uni<TemplateInstance> list(@QueryParam("agent") String agent, @QueryParam("status") String status,
                                      @QueryParam("since") String since, @QueryParam("until") String until,
                                      @QueryParam("minCost") String minCost, @QueryParam("errorCode") String errorCode,
                                      SecurityContext security) {
        String auth = SignedIn.bearer(security);
        SessionFilter filter = new SessionFilter(agent, status, since, until, minCost, errorCode);
        Uni<List<RuntimeClient.Agent>> agents = runtime.agents(auth).onFailure().recoverWithItem(List.of());
        return agents.flatMap(known -> runtime.searchSessions(auth, 200, SessionFilter.blankToNull(agent),
                        SessionFilter.blankToNull(status), SessionFilter.instant(since), SessionFilter.instant(until),
                        SessionFilter.blankToNull(minCost), SessionFilter.blankToNull(errorCode))
                .map(sessions -> Templates.list(sessions, known, filter, null))
                .onFailure().recoverWithItem(e -> Templates.list(List.of(), known, filter, Problems.describe(e))));
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> chat(@PathParam("id") String id, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return Uni.combine().all().unis(runtime.session(auth, id), runtime.sessions(auth, 1000, id))
                .with((session, subSessions) -> Response.ok(Templates.chat(session, turns(session), subSessions))
                        .build())
                .onFailure().recoverWithUni(e -> Uni.createFrom().item(Response.status(Problems.status(e))
                        .type(MediaType.TEXT_PLAIN).entity(Problems.describe(e)).build()));
    }

    /** The debugger's view: what each model call of the session was sent, as it was sent. */
    @GET
    @Path("/{id}/calls")
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> calls(@PathParam("id") String id, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.calls(auth, id).map(calls -> Response.ok(Templates.calls(id, calls)).build())
                .onFailure().recoverWithUni(e -> Uni.createFrom().item(Response.status(Problems.status(e))
                        .type(MediaType.TEXT_PLAIN).entity(Problems.describe(e)).build()));
    }

    /** The debugger's trace panel (a fragment the chat page loads, and loads again as the turn goes on). */
    @GET
    @Path("/{id}/trace")
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> trace(@PathParam("id") String id, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.trace(auth, id)
                .map(trace -> Response.ok(Templates.trace(id, TraceView.rows(trace, Instant.now()))).build())
                .onFailure().recoverWithUni(e -> Uni.createFrom().item(Response.status(Problems.status(e))
                        .type(MediaType.TEXT_PLAIN).entity(Problems.describe(e)).build()));
    }

    /** One model call in the debugger: what it was sent, what it answered, and the playground to replay it. */
    @GET
    @Path("/{id}/calls/{requestId: .+}")
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> call(@PathParam("id") String id, @PathParam("requestId") String requestId,
                              SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.calls(auth, id).map(calls -> calls.stream().filter(c -> c.requestId().equals(requestId))
                        .findFirst().map(call -> Response.ok(Templates.call(id, call)).build())
                        .orElseGet(() -> Response.status(404).type(MediaType.TEXT_PLAIN)
                                .entity("no model call " + requestId + " in this session").build()))
                .onFailure().recoverWithUni(e -> Uni.createFrom().item(Response.status(Problems.status(e))
                        .type(MediaType.TEXT_PLAIN).entity(Problems.describe(e)).build()));
    }

    /** The playground: the call sent again to another model or with another system prompt; the runtime's answer. */
    @POST
    @Path("/{id}/calls/{requestId: .+}/replay")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.OPERATOR_NAME)
    public Uni<Response> replay(@PathParam("id") String id, @PathParam("requestId") String requestId,
                                RuntimeClient.Replay replay, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.replay(auth, id, requestId, replay).map(answer -> Response.ok(answer).build())
                .onFailure().recoverWithItem(SessionPage::problem);
    }

    /**
     * Sends the user's message under the page's {@code Idempotency-Key} (the same when the user sends it again after
     * an error); answers 202 with the turn id, or the runtime's problem.
     */
    @POST
    @Path("/{id}/messages")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> send(@PathParam("id") String id, @HeaderParam("Idempotency-Key") String key,
                              RuntimeClient.NewMessage message, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.send(auth, key, id, message).map(accepted -> Response.accepted(accepted).build())
                .onFailure().recoverWithItem(SessionPage::problem);
    }

    /** Stops the running turn (the Stop button); 202, or the runtime's problem (409: nothing to stop). */
    @POST
    @Path("/{id}/cancel")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> cancel(@PathParam("id") String id, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.cancel(auth, id).map(accepted -> Response.accepted(accepted).build())
                .onFailure().recoverWithItem(SessionPage::problem);
    }

    /** The runtime's refusal, passed on as problem+json for the page's script. */
    static Response problem(Throwable e) {
        return Response.status(Problems.status(e)).type("application/problem+json")
                .entity(Map.of("status", Problems.status(e), "detail", Problems.describe(e))).build();
    }

    /**
     * The session's agent events as SSE ({@code id:} = seq), passed on from agent-runtime's stream: the chat page
     * passes the seq its history ends at as {@code after}; on reconnect the browser sends {@code Last-Event-ID} and
     * gets what it missed, or a {@code snapshot} event when the runtime replica does not have it.
     */
    @GET
    @Path("/{id}/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @OwnSession
    public Multi<OutboundSseEvent> stream(@PathParam("id") String id, @HeaderParam("Last-Event-ID") String lastEventId,
                                          @QueryParam("after") Long after, @Context Sse sse,
                                          SecurityContext security) {
        long from;
        try {
            UUID.fromString(id);
            from = lastEventId != null ? Long.parseLong(lastEventId.strip()) : after != null ? after : 0;
        } catch (IllegalArgumentException e) {
            throw new NotFoundException("no stream " + id);
        }
        // @OwnSession has checked with the runtime that the session is the person's organization's. The runtime
        // replica serving it may stop (a restart, a crash): the browser's stream stays open and goes on from the last
        // event passed on, from whichever replica answers next (a browser whose reconnect met a 503 would give up).
        // Until an event is passed on, each request starts from the session as committed (?after=, the page's
        // history); after that they follow on from the last one, with Last-Event-ID (a running turn's events that the
        // replica answering has not got come as a snapshot, not as a gap)
        String auth = SignedIn.bearer(security);
        AtomicLong seen = new AtomicLong(from);
        AtomicBoolean followed = new AtomicBoolean(lastEventId != null);
        Multi<OutboundSseEvent> events = Multi.createFrom().deferred(() -> followed.get()
                        ? stream.events(auth, id, seen.get(), null) : stream.events(auth, id, null, seen.get()))
                .onCompletion().failWith(() -> new IllegalStateException("the runtime ended the stream"))
                .filter(event -> event.name() != null) // the runtime's pings: this stream has its own
                // never an event the browser has: a snapshot stands for every event up to its id, so it always goes
                .filter(event -> "snapshot".equals(event.name()) || Long.parseLong(event.id()) > seen.get())
                .invoke(event -> {
                    seen.set(Long.parseLong(event.id()));
                    followed.set(true);
                })
                .onFailure(SessionPage::worthReconnecting).retry()
                .withBackOff(Duration.ofMillis(500), Duration.ofSeconds(5)).indefinitely()
                .map(event -> sse.newEventBuilder().id(event.id()).name(event.name()).data(event.data()).build());
        Multi<OutboundSseEvent> pings = Multi.createFrom().ticks().every(Duration.ofSeconds(15))
                .map(tick -> sse.newEventBuilder().comment("ping").build());
        // until admin-ui stops: then the browser reconnects (with Last-Event-ID) to a replica that goes on
        return end.until(Multi.createBy().merging().streams(events, pings), () -> sse.newEventBuilder()
                .comment("this replica is stopping: reconnect").reconnectDelay(250).build());
    }

    /**
     * A clean stop ends the browsers' streams, so that none holds the stop up. Open to all: the class's role check
     * applies to observers too, and at shutdown there is no caller (it failed the stop with UnauthorizedException).
     */
    @PermitAll
    void stop(@Observes ShutdownDelayInitiatedEvent event) {
        end.end();
    }

    /** Whether the runtime's stream may come back: not when it refused the session (gone, or not the person's). */
    private static boolean worthReconnecting(Throwable failure) {
        return !(failure instanceof WebApplicationException refused) || refused.getResponse().getStatus() >= 500
                || refused.getResponse().getStatus() == 429;
    }

    private List<TurnView> turns(RuntimeClient.SessionDetail session) {
        List<TurnView> turns = new ArrayList<>();
        for (RuntimeClient.Turn turn : session.turns()) {
            List<Entry> entries = new ArrayList<>();
            Map<String, Entry> toolCalls = new HashMap<>();
            for (RuntimeClient.Message m : session.messages()) {
                if (!turn.id().equals(m.turnId())) {
                    continue;
                }
                if (m.role().equals("tool")) {
                    Entry call = toolCalls.get(m.toolCallId());
                    if (call != null) {
                        call.result = m.content();
                    }
                } else if (m.toolCalls() != null) {
                    for (Map<String, Object> call : parseToolCalls(m.toolCalls())) {
                        Entry entry = new Entry("tool", String.valueOf(call.get("arguments")),
                                String.valueOf(call.get("name")), String.valueOf(call.get("id")));
                        toolCalls.put(entry.callId, entry);
                        entries.add(entry);
                    }
                } else {
                    entries.add(new Entry(m.role(), m.content(), null, null));
                }
            }
            boolean unfinished = List.of("pending", "running", "waiting").contains(turn.status());
            for (RuntimeClient.Approval approval : session.approvals() == null ? List.<RuntimeClient.Approval>of()
                    : session.approvals()) {
                Entry call = toolCalls.get(approval.callId());
                if (call != null && unfinished && turn.id().equals(approval.turnId())
                        && "pending".equals(approval.status())) {
                    call.approval = approval;
                }
            }
            if (entries.stream().noneMatch(e -> e.kind.equals("user"))) {
                entries.add(0, new Entry("user", turn.userText(), null, null)); // not started yet
            }
            if ("failed".equals(turn.status())) {
                entries.add(new Entry("error", turn.errorCode() + ": " + turn.errorReason(), null, null));
            }
            turns.add(new TurnView(turn, entries));
        }
        return turns;
    }

    private List<Map<String, Object>> parseToolCalls(String array) {
        try {
            return json.readValue(array, new TypeReference<List<Map<String, Object>>>() {
            });
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }
}

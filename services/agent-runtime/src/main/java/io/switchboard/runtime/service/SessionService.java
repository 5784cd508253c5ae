package io.switchboard.runtime.service;

import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.ApiInput;
import io.switchboard.auth.IdentitySchema;
import io.switchboard.contracts.agent.AgentCommand;
import io.switchboard.contracts.agent.CancelTurn;
import io.switchboard.contracts.agent.ResumeTurn;
import io.switchboard.contracts.agent.StartSession;
import io.switchboard.contracts.agent.TurnCompleted;
import io.switchboard.contracts.agent.TurnFailed;
import io.switchboard.contracts.agent.UserMessage;
import io.switchboard.runtime.Uuids;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.messaging.CommandPublisher;
import io.switchboard.runtime.messaging.SessionEventHub;
import io.switchboard.runtime.messaging.TurnCancels;
import io.switchboard.runtime.repository.Agent;
import io.switchboard.runtime.repository.AgentRepository;
import io.switchboard.runtime.repository.ApprovalRepository;
import io.switchboard.runtime.repository.Session;
import io.switchboard.runtime.repository.SessionRepository;
import io.switchboard.runtime.repository.Turn;
import io.switchboard.runtime.tools.AgentTurns;
import io.switchboard.runtime.turn.SessionLeases;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** Sessions: opening them, taking user messages for their runners, approvals and cancels. */
@ApplicationScoped
public class SessionService implements AgentTurns {
    private final SessionRepository sessions;
    private final SessionLeases leases;
    private final TurnCancels cancels;
    private final CommandPublisher commands;
    private final RuntimeConfig config;
    private final AgentRepository agents;
    private final ApprovalRepository approvals;
    private final SessionEventHub hub;

    public SessionService(SessionRepository sessions, SessionLeases leases, TurnCancels cancels,
                          CommandPublisher commands, RuntimeConfig config,
                          AgentRepository agents, ApprovalRepository approvals, SessionEventHub hub) {
        this.hub = hub;
        this.agents = agents;
        this.approvals = approvals;
        this.sessions = sessions;
        this.leases = leases;
        this.cancels = cancels;
        this.commands = commands;
        this.config = config;
    }

    /**
     * Opens a session on the organization's agent at {@code version} (null: the published one); null if it has no
     * such agent.
     */
    public Uni<Session> open(UUID orgId, UUID agentId, Integer version) {
        UUID id = UUID.randomUUID();
        return sessions.open(orgId, id, agentId, version).flatMap(opened -> opened ? sessions.find(id) : Uni.createFrom().nullItem());
    }

    @Override
    public Uni<UUID> open(UUID orgId, UUID agentId) {
        return open(orgId, agentId, null).map(opened -> opened == null ? null : opened.id());
    }

    /**
     * Puts the message on {@code agent.commands} for the session's runner as turn {@code turnId} (chosen by the
     * caller, to wait for that turn's end); completes when Kafka has it.
     */
    public Uni<UUID> send(UUID orgId, UUID sessionId, UUID turnId, String text) {
        return commands.send(UserMessage.of(UUID.randomUUID().toString(), orgId.toString(), sessionId.toString(),
                turnId.toString(), text)).replaceWith(turnId);
    }

    /**
     * Sends the message as turn {@code turnId} and waits for its end, on this replica's copy of {@code agent.events}
     * (or in the journal, when the turn had ended before: a second ask with the same turn id is not sent twice).
     */
    @Override
    public Uni<Answer> ask(UUID orgId, UUID sessionId, UUID turnId, String text, Duration limit) {
        Uni<Answer> end = hub.follow(sessionId.toString(), 0)
                .select().where(e -> e.turnId().equals(turnId.toString()) && e.endsTurn())
                .toUni().map(last -> last instanceof TurnCompleted done ? new Answer(true, done.text(), null)
                        : new Answer(false, ((TurnFailed) last).reason(), ((TurnFailed) last).code()));
        // sent unless it was before; ended already, the journal has its end (the stream will not)
        Uni<Answer> journaled = sessions.turn(turnId).flatMap(turn -> {
            if (turn == null) {
                return send(orgId, sessionId, turnId, text).flatMap(x -> Uni.createFrom().<Answer>nothing());
            }
            if (List.of(Turn.PENDING, Turn.RUNNING, Turn.WAITING).contains(turn.status())) {
                return Uni.createFrom().nothing();
            }
            return turn.status().equals(Turn.COMPLETED)
                    ? sessions.answerOf(turnId).map(answer -> new Answer(true, answer, null))
                    : Uni.createFrom().item(new Answer(false, turn.errorReason(), turn.errorCode()));
        });
        // the stream is subscribed to first, so an end that comes quickly is not missed
        return Uni.combine().any().of(end, journaled).ifNoItem().after(limit).fail();
    }

    @Override
    public String checkMessage(String text) {
        if (text == null || text.isBlank()) {
            return "text must not be blank";
        }
        if (text.length() > config.message().maxChars()) {
            return "text is longer than " + config.message().maxChars() + " characters";
        }
        // messages also come from MCP clients and Kafka, past the REST API's checks
        String refused = ApiInput.refused(text);
        return refused == null ? null : "text " + refused;
    }

    /** Handles a {@code StartSession} command; null when done, else why it was rejected. */
    public Uni<String> openFromCommand(StartSession command) {
        UUID sessionId = Uuids.orNull(command.sessionId());
        UUID agentId = Uuids.orNull(command.agentId());
        UUID orgId = orgOf(command);
        if (sessionId == null || agentId == null || orgId == null) {
            return Uni.createFrom().item("sessionId, agentId and orgId must be UUIDs");
        }
        return sessions.open(orgId, sessionId, agentId, command.agentVersion())
                .map(opened -> opened ? null : "agent " + agentId + (command.agentVersion() == null ? ""
                        : " version " + command.agentVersion()) + " does not exist (or the session has another)");
    }

    /** Handles a {@code UserMessage} command; null when queued, else why it was rejected. */
    public Uni<String> acceptFromCommand(UserMessage command, Context trace) {
        UUID sessionId = Uuids.orNull(command.sessionId());
        UUID turnId = Uuids.orNull(command.turnId());
        UUID orgId = orgOf(command);
        if (sessionId == null || turnId == null || orgId == null) {
            return Uni.createFrom().item("sessionId, turnId and orgId must be UUIDs");
        }
        String problem = checkMessage(command.text());
        if (problem != null) {
            return Uni.createFrom().item(problem);
        }
        return agents.runsOn(sessionId).flatMap(agent -> agent == null || !agent.orgId().equals(orgId)
                ? Uni.createFrom().item("session " + sessionId + " does not exist")
                : accept(sessionId, turnId, command.text(), agent, trace));
    }

    /**
     * A message posted over the API to a session of {@code agent} (its organization checked by the caller), as turn
     * {@code turnId}: gives null once it is journaled, else why it was rejected (the session is gone). With
     * {@code onBusy: queue} (the default) it is journaled, and its turn begun, here, as {@code agent.commands}'
     * consumer does with programs' messages, one broker round trip sooner; wherever the turn runs, a cancel reaches
     * it ({@link TurnCancels}). While this replica stops, it is journaled for a replica that goes on, and the
     * session's {@code agent.commands} partition is told ({@code ResumeTurn}): its owner runs it at once, unless that
     * is this replica too, or this replica still holds the session (then another's recovery sweep finds it once this
     * one lets go, after its drain). While PostgreSQL is out of reach it fails
     * (sent on through Kafka instead, it could be overtaken by the client's next message). With {@code reject} or
     * {@code interrupt}, whose checks must see a session's messages one at a time, it is sent through
     * {@code agent.commands}, which does that (the session's partition).
     */
    public Uni<String> post(UUID orgId, UUID sessionId, UUID turnId, Agent agent, String text, Context trace) {
        if (!agent.onBusy().equals(Agent.QUEUE)) { // its client waits: refused within 15 s if Kafka is away
            return commands.sendPosted(UserMessage.of(UUID.randomUUID().toString(), orgId.toString(),
                    sessionId.toString(), turnId.toString(), text)).replaceWith((String) null);
        }
        return accept(sessionId, turnId, text, agent, trace).call(rejected -> rejected != null || !leases.stopping()
                ? Uni.createFrom().voidItem()
                : commands.send(ResumeTurn.of(UUID.randomUUID().toString(), orgId.toString(), sessionId.toString(),
                        turnId.toString())).onFailure().recoverWithNull()); // journaled: the sweep finds it anyway
    }

    /** Journals the checked message as turn {@code turnId} and runs it as the agent's busy policy says. */
    private Uni<String> accept(UUID sessionId, UUID turnId, String text, Agent agent, Context trace) {
        // a refused message is journaled too: its turn ends "busy" in its place, so its sender hears why
        return refusal(sessionId, turnId, agent).flatMap(refused -> {
            if (refused == null && !agent.onBusy().equals(Agent.INTERRUPT)) {
                // the common case: journaled and, when the session is idle, begun in the same statement
                return leases.recordAndRun(sessionId, turnId, text, trace)
                        .map(recorded -> rejection(recorded, sessionId));
            }
            return sessions.recordUserMessage(sessionId, turnId, text, refused)
                    .flatMap(recorded -> recorded != SessionRepository.Recorded.NEW
                            ? Uni.createFrom().item(rejection(recorded, sessionId))
                            : interruptIfAsked(sessionId, turnId, agent).invoke(() -> leases.runTurns(sessionId,
                                    turnId, trace)).replaceWith((String) null));
        });
    }

    /** Why a journaled message cannot be acted on, or null (new, or journaled before: run as that one is). */
    private static String rejection(SessionRepository.Recorded recorded, UUID sessionId) {
        return recorded == SessionRepository.Recorded.UNKNOWN_SESSION ? "session " + sessionId + " does not exist"
                : null;
    }

    /**
     * Why a new message to the session is refused now, or null: the agent's {@code onBusy} is {@code reject} and a
     * turn is unfinished other than {@code turnId} (the message's own, sent before). The API asks before sending
     * (409); the command's consumer asks again, as a message may have been sent just before, and journals a refused
     * message as a turn that ends {@code busy}.
     */
    public Uni<String> refusal(UUID sessionId, UUID turnId, Agent agent) {
        if (!agent.onBusy().equals(Agent.REJECT)) {
            return Uni.createFrom().nullItem();
        }
        return sessions.nextUnfinished(sessionId).map(busy -> busy == null || busy.id().equals(turnId) ? null
                : "session " + sessionId + " is busy with turn " + busy.id() + " and its agent takes no message"
                        + " meanwhile (onBusy: reject); send it when the turn has ended, or cancel it");
    }

    /** With {@code onBusy: interrupt}, a new message stops the session's unfinished turns (they end cancelled). */
    private Uni<Void> interruptIfAsked(UUID sessionId, UUID turnId, Agent agent) {
        if (!agent.onBusy().equals(Agent.INTERRUPT)) {
            return Uni.createFrom().voidItem();
        }
        return sessions.cancelAllBut(sessionId, turnId).invoke(stopped -> stopped.forEach(
                id -> cancels.stop(sessionId, id, "interrupted by a new message"))).replaceWithVoid();
    }

    /**
     * Approves or denies a tool call waiting for an operator. When it was the turn's last undecided one, the turn
     * goes on: {@code ResumeTurn} on {@code agent.commands} brings it to the session's runner. The decision stands
     * once recorded: were that command lost (Kafka away for 15 s), the recovery sweep finds the turn running without
     * a runner, so the operator is answered all the same.
     */
    public Uni<ApprovalRepository.Decided> decide(UUID orgId, UUID approvalId, boolean approve, String reason) {
        return approvals.decide(orgId, approvalId, approve, reason).call(decided -> !decided.resumable()
                ? Uni.createFrom().voidItem()
                : commands.sendPosted(ResumeTurn.of(UUID.randomUUID().toString(), orgId.toString(),
                        decided.approval().sessionId().toString(), decided.approval().turnId().toString()))
                        .onFailure().recoverWithNull());
    }

    /** Handles a {@code ResumeTurn} command: the session's runner takes its turns up again. */
    public Uni<String> resumeFromCommand(ResumeTurn command) {
        UUID sessionId = Uuids.orNull(command.sessionId());
        UUID turnId = Uuids.orNull(command.turnId());
        if (sessionId == null || turnId == null) {
            return Uni.createFrom().item("sessionId and turnId must be UUIDs");
        }
        leases.runTurns(sessionId, turnId, null);
        return Uni.createFrom().nullItem();
    }

    /**
     * Stops the session's unfinished turn; gives its id, or null when there is nothing to stop. It needs PostgreSQL
     * only, not Kafka: the journal's flag is the word ({@link #stop}).
     */
    public Uni<UUID> cancel(UUID sessionId) {
        return cancelNext(sessionId, 2);
    }

    /** A turn that ended between the read and the flag: the one after it, if any, is what the user sees running. */
    private Uni<UUID> cancelNext(UUID sessionId, int tries) {
        return sessions.nextUnfinished(sessionId).flatMap(turn -> turn == null ? Uni.createFrom().nullItem()
                : stop(sessionId, turn.id()).flatMap(stopped -> stopped ? Uni.createFrom().item(turn.id())
                        : tries > 1 ? cancelNext(sessionId, tries - 1) : Uni.createFrom().nullItem()));
    }

    /** Handles a {@code CancelTurn} command (a program's); null when done (a turn that has ended is left alone). */
    public Uni<String> cancelFromCommand(CancelTurn command) {
        UUID sessionId = Uuids.orNull(command.sessionId());
        UUID turnId = Uuids.orNull(command.turnId());
        UUID orgId = orgOf(command);
        if (sessionId == null || turnId == null || orgId == null) {
            return Uni.createFrom().item("sessionId, turnId and orgId must be UUIDs");
        }
        return sessions.find(orgId, sessionId).flatMap(session -> session == null
                ? Uni.createFrom().item("session " + sessionId + " does not exist")
                : stop(sessionId, turnId).replaceWith((String) null));
    }

    /**
     * Flags the turn to stop in the journal, then stops it: at once when it runs here, else through
     * {@code agent.cancels}, or at its runner's next lease renewal (5 s) should that record not get through. A turn
     * that waits (for approvals, or behind another) is ended by the runner that takes it up, maybe this one (while
     * this replica stops, another's recovery sweep). False when the turn had ended already.
     */
    private Uni<Boolean> stop(UUID sessionId, UUID turnId) {
        return sessions.requestCancel(sessionId, turnId).invoke(unfinished -> {
            if (unfinished) {
                cancels.stop(sessionId, turnId, "cancelled on request");
                leases.runTurns(sessionId, turnId, null);
            }
        });
    }

    /** The command's organization; commands from before organizations act for the default one. */
    private static UUID orgOf(AgentCommand command) {
        return command.orgId() == null ? IdentitySchema.DEFAULT_ORG : Uuids.orNull(command.orgId());
    }
}

package io.switchboard.runtime.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.runtime.context.ContextWindow;
import io.switchboard.runtime.repository.Agent;
import io.switchboard.runtime.repository.AgentRepository;
import io.switchboard.runtime.repository.ContextRepository;
import io.switchboard.runtime.repository.Session;
import io.switchboard.runtime.repository.SessionRepository;
import io.switchboard.runtime.rest.SessionResource.ModelCallView;
import io.switchboard.runtime.rest.SessionResource.SentMessage;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * What each model call of a session was sent, rebuilt from the journal: the system prompt of the session's agent
 * version (with the summary standing for older turns, if any), then the journal from the call's first position to its
 * last; and its answer, the journal's next message. The calls' own records hold positions, not a copy of the prompt.
 */
@ApplicationScoped
class SentCalls {
    /** A session's calls, and the agent version it runs on. */
    record Sent(Agent agent, List<ModelCallView> calls) {
    }

    private final AgentRepository agents;
    private final SessionRepository sessions;
    private final ContextRepository contexts;

    SentCalls(AgentRepository agents, SessionRepository sessions, ContextRepository contexts) {
        this.agents = agents;
        this.sessions = sessions;
        this.contexts = contexts;
    }

    Uni<Sent> of(Session session) {
        return agents.find(session.agentId(), session.agentVersion()).flatMap(agent -> contexts.calls(session.id())
                .flatMap(calls -> contexts.snapshots(session.id()).flatMap(snapshots -> sessions.messages(session.id())
                        .map(messages -> new Sent(agent, calls.stream().map(call -> {
                            String summary = snapshots.stream()
                                    .filter(s -> call.snapshotPosition() != null
                                            && s.throughPosition() == call.snapshotPosition())
                                    .findFirst().map(ContextRepository.Snapshot::summary).orElse(null);
                            List<SentMessage> sent = new ArrayList<>();
                            sent.add(new SentMessage("system",
                                    ContextWindow.systemPrompt(agent.systemPrompt(), summary), null, null));
                            messages.stream().filter(m -> m.position() >= call.firstPosition()
                                            && m.position() <= call.lastPosition())
                                    .forEach(m -> sent.add(new SentMessage(m.role(), m.content(), m.toolCalls(),
                                            m.toolCallId())));
                            SentMessage answer = messages.stream().filter(m -> m.position() == call.lastPosition() + 1
                                            && "assistant".equals(m.role()) && call.turnId().equals(m.turnId()))
                                    .findFirst().map(m -> new SentMessage(m.role(), m.content(), m.toolCalls(), null))
                                    .orElse(null);
                            return new ModelCallView(call.requestId(), call.turnId(), call.model(), call.promptTokens(),
                                    call.createdAt(), call.snapshotPosition(), call.firstPosition(),
                                    call.lastPosition(), sent, answer);
                        }).toList())))));
    }
}

package io.switchboard.evals.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.switchboard.contracts.agent.AgentEvent;
import io.switchboard.contracts.agent.ToolCallFinished;
import io.switchboard.contracts.agent.ToolCallStarted;
import io.switchboard.contracts.agent.TurnStarted;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code agent.events} and completes whoever waits for a turn: with the event that ended it and the tool calls
 * it made, in the order they started. A call told again after a resume (same call id) is one call.
 */
@ApplicationScoped
public class TurnWaiters {
    private static final Logger LOG = Logger.getLogger(TurnWaiters.class);
    private final Map<String, Waiter> waiting = new ConcurrentHashMap<>();
    private final ObjectMapper json;

    TurnWaiters(ObjectMapper json) {
        this.json = json;
    }

    /** A tool call of the turn; {@code result} null when none was told. */
    public record ToolCall(String callId, String name, String arguments, String result, boolean error) {
    }

    /** How a turn ended, its tool calls, and the agent version and model it ran on (null: not told). */
    public record TurnEnd(AgentEvent end, List<ToolCall> tools, Integer agentVersion, String model) {
    }

    private static final class Waiter {
        final String turnId;
        final UniEmitter<? super TurnEnd> emitter;
        final Map<String, ToolCall> calls = new LinkedHashMap<>();
        Integer agentVersion;
        String model;

        Waiter(String turnId, UniEmitter<? super TurnEnd> emitter) {
            this.turnId = turnId;
            this.emitter = emitter;
        }
    }

    /**
     * A poll's events at a time ({@code batch=true}), read only for the sessions waited for (the key is the session
     * id): every replica of this service reads every event of the platform, most of them for no eval. Record by
     * record, each cost two trips through the event loop and a JSON parse (2,000 turns after a broker hang: 4.5 s of
     * this service's CPU).
     */
    @Incoming("agent-events")
    public void onEvents(ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> record : records) {
            if (record.key() != null && waiting.containsKey(record.key())) {
                onEvent(readable(record));
            }
        }
    }

    private AgentEvent readable(ConsumerRecord<String, byte[]> record) {
        try {
            return json.readValue(record.value(), AgentEvent.class);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("skipped an unreadable event of session %s at %s-%d@%d: %s", record.key(), record.topic(),
                    record.partition(), record.offset(), e.getMessage());
            return null;
        }
    }

    private void onEvent(AgentEvent event) {
        Waiter waiter = event == null ? null : waiting.get(event.sessionId());
        if (waiter == null || !waiter.turnId.equals(event.turnId())) {
            return;
        }
        if (event instanceof TurnStarted started) {
            waiter.agentVersion = started.agentVersion();
            waiter.model = started.model();
        } else if (event instanceof ToolCallStarted started) {
            waiter.calls.putIfAbsent(started.callId(), new ToolCall(started.callId(), started.toolName(),
                    started.arguments(), null, false));
        } else if (event instanceof ToolCallFinished finished) {
            ToolCall call = waiter.calls.get(finished.callId());
            waiter.calls.put(finished.callId(), new ToolCall(finished.callId(), finished.toolName(),
                    call == null ? null : call.arguments(), finished.result(), finished.error()));
        } else if (event.endsTurn() && waiting.remove(event.sessionId(), waiter)) {
            waiter.emitter.complete(new TurnEnd(event, List.copyOf(new ArrayList<>(waiter.calls.values())),
                    waiter.agentVersion, waiter.model));
        }
    }

    /**
     * The end of the session's turn {@code turnId}, with its tool calls. Subscribe before sending the message, so a
     * fast turn cannot end before anyone listens. One turn per session at a time.
     */
    public Uni<TurnEnd> turnEnd(String sessionId, String turnId) {
        return Uni.createFrom().<TurnEnd>emitter(emitter -> {
            Waiter waiter = new Waiter(turnId, emitter);
            waiting.put(sessionId, waiter);
            emitter.onTermination(() -> waiting.remove(sessionId, waiter));
        });
    }
}

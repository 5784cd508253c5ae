package io.switchboard.evals.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.switchboard.contracts.agent.AgentEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** Reads {@code agent.events} and completes whoever waits for a session's turn to end. */
@ApplicationScoped
public class TurnWaiters {
    private final Map<String, UniEmitter<? super AgentEvent>> waiting = new ConcurrentHashMap<>();

    @Incoming("agent-events")
    public void onEvent(AgentEvent event) {
        if (event != null && event.endsTurn()) {
            UniEmitter<? super AgentEvent> waiter = waiting.remove(event.sessionId());
            if (waiter != null) {
                waiter.complete(event);
            }
        }
    }

    /**
     * The event that ends the next turn of the session. Subscribe before sending the message, so a fast turn cannot
     * end before anyone listens.
     */
    public Uni<AgentEvent> nextTurnEnd(String sessionId) {
        return Uni.createFrom().<AgentEvent>emitter(emitter -> {
            waiting.put(sessionId, emitter);
            emitter.onTermination(() -> waiting.remove(sessionId, emitter));
        });
    }
}

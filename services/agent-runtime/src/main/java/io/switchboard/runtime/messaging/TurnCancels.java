package io.switchboard.runtime.messaging;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.switchboard.contracts.agent.TurnCancel;
import io.switchboard.runtime.Uuids;
import io.switchboard.runtime.turn.TurnRunner;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Stops a turn wherever it runs. A session's turn need not run on the replica that hears of its cancel (the
 * partition owner of {@code agent.commands} changes in a rebalance, and turns resume wherever a lease is free), so a
 * turn that does not run here is announced on {@code agent.cancels}, which every replica reads. The journal's
 * {@code cancel_requested} flag, set before, stays the durable word: a replica that misses the record sees the flag
 * when it renews its leases or begins the turn.
 */
@ApplicationScoped
public class TurnCancels {
    private final TurnRunner runner;
    private final MutinyEmitter<TurnCancel> out;

    public TurnCancels(TurnRunner runner, @Channel("agent-cancels-out") MutinyEmitter<TurnCancel> out) {
        this.runner = runner;
        this.out = out;
    }

    /** Stops the turn: at once when it runs here, else through every replica. Its flag must be set already. */
    public void stop(UUID sessionId, UUID turnId, String reason) {
        if (!runner.cancel(turnId, reason)) {
            out.sendMessageAndForget(Message.of(TurnCancel.of(sessionId.toString(), turnId.toString(), reason))
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(sessionId.toString()).build()));
        }
    }

    @Incoming("agent-cancels")
    public void onCancel(TurnCancel cancel) {
        UUID turnId = cancel == null ? null : Uuids.orNull(cancel.turnId());
        if (turnId != null) {
            runner.cancel(turnId, cancel.reason() == null ? "cancelled on request" : cancel.reason());
        }
    }
}

package io.switchboard.runtime.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.switchboard.contracts.agent.AgentCommand;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.errors.RetriableException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Puts commands taken over HTTP on {@code agent.commands}, keyed by session id, so they are run like any other. */
@ApplicationScoped
public class CommandPublisher {
    private final MutinyEmitter<AgentCommand> emitter;

    public CommandPublisher(@Channel("agent-commands-out") MutinyEmitter<AgentCommand> emitter) {
        this.emitter = emitter;
    }

    public Uni<Void> send(AgentCommand command) {
        return emitter.sendMessage(Message.of(command).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(command.sessionId()).build()));
    }

    /**
     * Whether a send failed because Kafka could not take the record in time (the broker away: its delivery timeout or
     * its metadata wait ran out), which the sender may try again, rather than because of the record itself.
     */
    public static boolean kafkaUnavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof RetriableException) {
                return true;
            }
        }
        return false;
    }
}

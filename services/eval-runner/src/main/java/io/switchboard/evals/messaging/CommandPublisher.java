package io.switchboard.evals.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.switchboard.contracts.agent.AgentCommand;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Sends commands to agents on {@code agent.commands}, keyed by session id. */
@ApplicationScoped
public class CommandPublisher {
    private final MutinyEmitter<AgentCommand> emitter;

    public CommandPublisher(@Channel("agent-commands") MutinyEmitter<AgentCommand> emitter) {
        this.emitter = emitter;
    }

    public Uni<Void> send(AgentCommand command) {
        return emitter.sendMessage(Message.of(command).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(command.sessionId()).build()));
    }
}

package io.switchboard.runtime.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.switchboard.contracts.agent.AgentCommand;
import io.switchboard.messaging.KafkaBacklog;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Puts commands taken over HTTP on {@code agent.commands}, keyed by session id, so they are run like any other. Each
 * channel holds at most {@link KafkaBacklog#MAX} commands waiting for Kafka to confirm them; beyond that (Kafka away or
 * far behind) a command is refused at once as {@link KafkaBacklog#kafkaUnavailable}.
 */
@ApplicationScoped
public class CommandPublisher {
    private final Sender commands;
    /** The same topic, for a client that waits: gives up within 15 s when Kafka is away (its delivery timeout). */
    private final Sender posted;

    public CommandPublisher(@Channel("agent-commands-out") MutinyEmitter<AgentCommand> emitter,
                            @Channel("agent-commands-posted") MutinyEmitter<AgentCommand> posted) {
        this.commands = new Sender(emitter);
        this.posted = new Sender(posted);
    }

    /** Completes once Kafka confirms the command; while Kafka is away, waits up to the producer's two minutes. */
    public Uni<Void> send(AgentCommand command) {
        return commands.send(command);
    }

    /**
     * As {@link #send}, for a message whose client waits for the answer: fails within 15 s when Kafka does not confirm
     * it ({@link KafkaBacklog#kafkaUnavailable}), for the client to send it again.
     */
    public Uni<Void> sendPosted(AgentCommand command) {
        return posted.send(command);
    }

    /** An emitter, and how many of its commands wait for Kafka. */
    private record Sender(MutinyEmitter<AgentCommand> emitter, KafkaBacklog waiting) {
        Sender(MutinyEmitter<AgentCommand> emitter) {
            this(emitter, new KafkaBacklog());
        }

        Uni<Void> send(AgentCommand command) {
            return Uni.createFrom().deferred(() -> emitter.sendMessage(waiting.admit(Message.of(command)
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(command.sessionId()).build()))));
        }
    }
}

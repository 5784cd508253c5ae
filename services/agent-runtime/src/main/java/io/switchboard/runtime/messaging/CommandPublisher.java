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
    /** The same topic, for a client that waits: gives up within 15 s when Kafka is away (its delivery timeout). */
    private final MutinyEmitter<AgentCommand> posted;

    public CommandPublisher(@Channel("agent-commands-out") MutinyEmitter<AgentCommand> emitter,
                            @Channel("agent-commands-posted") MutinyEmitter<AgentCommand> posted) {
        this.emitter = emitter;
        this.posted = posted;
    }

    /** Completes once Kafka confirms the command; while Kafka is away, waits up to the producer's two minutes. */
    public Uni<Void> send(AgentCommand command) {
        return send(emitter, command);
    }

    /**
     * As {@link #send}, for a message whose client waits for the answer: fails within 15 s when Kafka does not confirm
     * it ({@link #kafkaUnavailable}), for the client to send it again.
     */
    public Uni<Void> sendPosted(AgentCommand command) {
        return send(posted, command);
    }

    private static Uni<Void> send(MutinyEmitter<AgentCommand> to, AgentCommand command) {
        return to.sendMessage(Message.of(command).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(command.sessionId()).build()));
    }

    /**
     * Whether a send failed because Kafka did not confirm the record in time (the broker away: its delivery timeout or
     * its metadata wait ran out; it may still have been written), which the sender may try again, rather than because
     * of the record itself.
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

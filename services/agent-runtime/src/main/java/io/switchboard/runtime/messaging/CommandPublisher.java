package io.switchboard.runtime.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.switchboard.contracts.agent.AgentCommand;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.RetriableException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Puts commands taken over HTTP on {@code agent.commands}, keyed by session id, so they are run like any other. Each
 * channel holds at most {@link #MAX_WAITING} commands waiting for Kafka to confirm them; beyond that (Kafka away or
 * far behind) a command is refused at once as {@link #kafkaUnavailable}, where SmallRye's emitter would overflow and
 * fail it with an error that says nothing of Kafka.
 */
@ApplicationScoped
public class CommandPublisher {
    /** Under what a channel takes before its emitter overflows: the Kafka sink's 1024 records in flight. */
    static final int MAX_WAITING = 1000;
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
     * it ({@link #kafkaUnavailable}), for the client to send it again.
     */
    public Uni<Void> sendPosted(AgentCommand command) {
        return posted.send(command);
    }

    /** An emitter, and how many of its commands wait for Kafka: counted until Kafka confirms or refuses each. */
    private static final class Sender {
        private final MutinyEmitter<AgentCommand> emitter;
        private final AtomicInteger waiting = new AtomicInteger();

        Sender(MutinyEmitter<AgentCommand> emitter) {
            this.emitter = emitter;
        }

        Uni<Void> send(AgentCommand command) {
            return Uni.createFrom().deferred(() -> {
                if (waiting.incrementAndGet() > MAX_WAITING) {
                    waiting.decrementAndGet();
                    return Uni.createFrom().failure(new Backlog());
                }
                AtomicBoolean settled = new AtomicBoolean(); // a caller that stops waiting leaves it in flight
                Runnable settle = () -> {
                    if (settled.compareAndSet(false, true)) {
                        waiting.decrementAndGet();
                    }
                };
                return emitter.sendMessage(Message.of(command)
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(command.sessionId()).build())
                        .withAck(() -> {
                            settle.run();
                            return CompletableFuture.completedFuture(null);
                        })
                        .withNack(failure -> { // also when it could not be emitted
                            settle.run();
                            return CompletableFuture.completedFuture(null);
                        }));
            });
        }
    }

    /** Refused: as many commands as a channel holds already wait for Kafka. */
    static final class Backlog extends RetriableException {
        Backlog() {
            super(MAX_WAITING + " commands already wait for Kafka to confirm them");
        }
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

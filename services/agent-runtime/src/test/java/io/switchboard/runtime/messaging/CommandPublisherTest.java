package io.switchboard.runtime.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.switchboard.contracts.agent.AgentCommand;
import io.switchboard.contracts.agent.UserMessage;
import io.switchboard.messaging.KafkaBacklog;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/**
 * A channel holds as many commands waiting for Kafka as its emitter takes, and refuses the next at once, as Kafka
 * being unavailable (a 503 for a posted message), not as the emitter's overflow (a 500, measured: 148 of 1,300 posts
 * while the broker was stopped).
 */
class CommandPublisherTest {
    /** The messages sent to the emitter, waiting for Kafka to confirm (ack) or refuse (nack) them. */
    private final List<Message<AgentCommand>> inFlight = new ArrayList<>();
    private final CommandPublisher publisher = new CommandPublisher(emitter(), emitter());

    @Test
    void aFullChannelRefusesTheNextCommandAtOnceAsKafkaUnavailable() {
        List<UniAssertSubscriber<Void>> waiting = new ArrayList<>();
        for (int i = 0; i < KafkaBacklog.MAX; i++) {
            waiting.add(publisher.sendPosted(command()).subscribe().withSubscriber(UniAssertSubscriber.create()));
        }
        assertThat(inFlight).hasSize(KafkaBacklog.MAX);
        waiting.forEach(UniAssertSubscriber::assertNotTerminated);

        Throwable refused = publisher.sendPosted(command()).subscribe().withSubscriber(UniAssertSubscriber.create())
                .assertFailedWith(KafkaBacklog.Full.class).getFailure();
        assertThat(KafkaBacklog.kafkaUnavailable(refused)).isTrue();
        assertThat(inFlight).hasSize(KafkaBacklog.MAX); // never reached the emitter

        // the other channel has its own room
        publisher.send(command()).subscribe().withSubscriber(UniAssertSubscriber.create()).assertNotTerminated();
    }

    @Test
    void aCommandKafkaConfirmsOrRefusesMakesRoom() {
        fill();
        inFlight.get(0).ack();
        publisher.sendPosted(command()).subscribe().withSubscriber(UniAssertSubscriber.create()).assertNotTerminated();
        sendFails();

        inFlight.get(1).nack(new IllegalStateException("expired"));
        publisher.sendPosted(command()).subscribe().withSubscriber(UniAssertSubscriber.create()).assertNotTerminated();
        sendFails();
    }

    @Test
    void aCallerThatStopsWaitingLeavesItsCommandCountedUntilKafkaAnswers() {
        Cancellable first = publisher.sendPosted(command()).subscribe().with(x -> { }, e -> { });
        for (int i = 1; i < KafkaBacklog.MAX; i++) {
            publisher.sendPosted(command()).subscribe().with(x -> { }, e -> { });
        }
        first.cancel(); // an HTTP client gone: its record is still on its way to Kafka
        sendFails();
        inFlight.get(0).ack();
        publisher.sendPosted(command()).subscribe().withSubscriber(UniAssertSubscriber.create()).assertNotTerminated();
    }

    @Test
    void aCommandTheEmitterCannotTakeIsNotCounted() {
        CommandPublisher refusing = new CommandPublisher(emitter(), refusingEmitter());
        for (int i = 0; i <= KafkaBacklog.MAX; i++) { // each refused at once, none left counted
            refusing.sendPosted(command()).subscribe().withSubscriber(UniAssertSubscriber.create())
                    .assertFailedWith(IllegalStateException.class, "SRMSG00034");
        }
    }

    private void fill() {
        for (int i = 0; i < KafkaBacklog.MAX; i++) {
            publisher.sendPosted(command()).subscribe().with(x -> { }, e -> { });
        }
        sendFails();
    }

    private void sendFails() {
        publisher.sendPosted(command()).subscribe().withSubscriber(UniAssertSubscriber.create())
                .assertFailedWith(KafkaBacklog.Full.class);
    }

    private static AgentCommand command() {
        String id = UUID.randomUUID().toString();
        return UserMessage.of(id, id, id, id, "hello");
    }

    /** An emitter whose buffer is full: as SmallRye's, it nacks the message and throws. */
    @SuppressWarnings("unchecked")
    private MutinyEmitter<AgentCommand> refusingEmitter() {
        return (MutinyEmitter<AgentCommand>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {MutinyEmitter.class}, (proxy, method, args) -> Uni.createFrom().<Void>emitter(sent -> {
                    IllegalStateException full = new IllegalStateException("SRMSG00034: Insufficient downstream"
                            + " requests to emit item");
                    ((Message<AgentCommand>) args[0]).nack(full);
                    throw full;
                }));
    }

    /**
     * An emitter that holds what it is sent, as SmallRye's does while its Kafka sink waits for the broker: the send
     * completes when the message is acked, fails when it is nacked.
     */
    @SuppressWarnings("unchecked")
    private MutinyEmitter<AgentCommand> emitter() {
        return (MutinyEmitter<AgentCommand>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {MutinyEmitter.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("sendMessage")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    Message<AgentCommand> message = (Message<AgentCommand>) args[0];
                    return Uni.createFrom().<Void>emitter(sent -> inFlight.add(message
                            .withAck(() -> {
                                sent.complete(null);
                                return message.ack();
                            })
                            .withNack(failure -> {
                                sent.fail(failure);
                                return message.nack(failure);
                            })));
                });
    }
}

package io.switchboard.messaging;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.RetriableException;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * How many of a channel's records wait for Kafka, each counted from its send until Kafka confirms or refuses it (the
 * message's ack or nack). Beyond {@link #MAX} a record is refused at once as {@link Full}, retriable as Kafka's own
 * failures are ({@link #kafkaUnavailable}): without the count, a channel whose broker is away overflows its emitter
 * past the Kafka sink's 1,024 records in flight, and fails with an error that says nothing of Kafka (SRMSG00034).
 */
public final class KafkaBacklog {
    /** Under what a channel takes before its emitter overflows: the Kafka sink's 1,024 records in flight. */
    public static final int MAX = 1000;
    private final AtomicInteger waiting = new AtomicInteger();

    /**
     * {@code message}, counted until Kafka confirms or refuses it (a sender that stops waiting leaves it counted, as
     * its record is still on its way); throws {@link Full} when {@link #MAX} records wait already.
     */
    public <T> Message<T> admit(Message<T> message) {
        if (waiting.incrementAndGet() > MAX) {
            waiting.decrementAndGet();
            throw new Full();
        }
        AtomicBoolean settled = new AtomicBoolean();
        Runnable settle = () -> {
            if (settled.compareAndSet(false, true)) {
                waiting.decrementAndGet();
            }
        };
        return message.withAck(() -> {
            settle.run();
            return message.ack();
        }).withNack(failure -> { // also when the emitter could not take it
            settle.run();
            return message.nack(failure);
        });
    }

    /** Refused: as many records as a channel holds already wait for Kafka. */
    public static final class Full extends RetriableException {
        Full() {
            super(MAX + " records already wait for Kafka to confirm them");
        }
    }

    /**
     * Whether a send failed because Kafka did not confirm the record in time (the broker away: its delivery timeout or
     * its metadata wait ran out; it may still have been written) or the channel was {@link Full}, which the sender may
     * try again, rather than because of the record itself.
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

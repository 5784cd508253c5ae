package io.switchboard.messaging;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Fails a request's reply stream once it has been silent for a while, counted from when Kafka took the request (the
 * message's ack) or from the reply's last item. SmallRye's request-reply counts its {@code reply.timeout} from the
 * send instead: a request that waited in the producer through a broker outage (up to its {@code delivery.timeout.ms})
 * had that much less time to be answered, and replies that were only late were taken for lost and asked again (200
 * of a fresh platform's 2,000 calls through a 25 s broker hang). That timeout stays, set to the delivery timeout and
 * the silence together, as a backstop.
 */
public final class ReplySilence {
    private ReplySilence() {
    }

    /**
     * What {@code send} answers to {@code request}, failed with {@code onSilence} once nothing has come for
     * {@code silence} after Kafka took the request. The request's own ack still runs.
     */
    public static <R, T> Multi<T> watch(Message<R> request, Function<Message<R>, Multi<T>> send, Duration silence,
                                        Supplier<? extends Throwable> onSilence) {
        return Multi.createFrom().emitter(emitter -> {
            Watch watch = new Watch(emitter, silence.toNanos(), onSilence);
            Cancellable replies = send.apply(request.withAck(() -> {
                watch.heard();
                return request.ack();
            })).subscribe().with(item -> {
                watch.heard();
                emitter.emit(item);
            }, emitter::fail, emitter::complete);
            emitter.onTermination(() -> {
                watch.stop();
                replies.cancel();
            });
        });
    }

    /** One timer, armed when Kafka takes the request and pushed back by each item. */
    private static final class Watch {
        private final MultiEmitter<?> emitter;
        private final long silenceNanos;
        private final Supplier<? extends Throwable> onSilence;
        private final AtomicBoolean armed = new AtomicBoolean();
        private volatile long lastHeard;
        private volatile boolean stopped;
        private volatile ScheduledFuture<?> timer;

        Watch(MultiEmitter<?> emitter, long silenceNanos, Supplier<? extends Throwable> onSilence) {
            this.emitter = emitter;
            this.silenceNanos = silenceNanos;
            this.onSilence = onSilence;
        }

        void heard() {
            lastHeard = System.nanoTime();
            if (armed.compareAndSet(false, true)) {
                check();
            }
        }

        /** Fails the reply if it has been silent long enough, or looks again when it would have been. */
        private void check() {
            if (stopped) {
                return;
            }
            long quiet = System.nanoTime() - lastHeard;
            if (quiet >= silenceNanos) {
                emitter.fail(onSilence.get());
            } else {
                timer = Infrastructure.getDefaultWorkerPool().schedule(this::check, silenceNanos - quiet,
                        TimeUnit.NANOSECONDS);
                if (stopped) { // stopped meanwhile, after it looked at the timer
                    timer.cancel(false);
                }
            }
        }

        void stop() {
            stopped = true;
            ScheduledFuture<?> scheduled = timer;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
        }
    }
}

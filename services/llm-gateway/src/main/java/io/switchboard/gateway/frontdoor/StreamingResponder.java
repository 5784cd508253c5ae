package io.switchboard.gateway.frontdoor;

import io.opentelemetry.api.trace.SpanContext;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.Subscriptions;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import io.switchboard.gateway.keys.ApiKeys;
import io.switchboard.gateway.keys.FrontDoorGuard;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.usage.CallMeter;
import io.switchboard.gateway.usage.CallRecorder;
import io.switchboard.traces.SessionLogs;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Plays a routed stream out to an HTTP client in a vendor's format. The status line waits for the first event, so
 * everything that fails before it (unknown model, every deployment down) is a proper HTTP error; after it, a failure
 * is an in-band error event and the end of the stream. A client that goes away cancels the upstream call. Each call
 * is recorded like any other.
 */
final class StreamingResponder {
    private static final Logger LOG = Logger.getLogger(StreamingResponder.class);

    /** How one vendor's format writes a stream and its errors. */
    interface Format {
        /** SSE text sent before the first event, or empty. */
        String opening();

        /** SSE text for one event, or null when the event has none of its own. */
        String frame(ProviderEvent event);

        /** SSE text that ends a successful stream. */
        String closing();

        /** SSE text for a failure after the stream started. */
        String inBandError(Throwable failure);

        /** The whole answer as one JSON document (non-streamed requests). */
        String document(List<ProviderEvent> events);

        int status(Throwable failure);

        String errorBody(Throwable failure);
    }

    private StreamingResponder() {
    }

    /**
     * Opens the call in the ledger and runs {@code call}, then plays its events out. The call starts on the
     * response's event loop, so the upstream connection's events arrive where the response is written and no event
     * changes threads. It goes out while its row is written when the ledger allows it
     * ({@link CallRecorder#mayOpenAlongside}), else once the row is there.
     */
    static void respond(RoutingContext ctx, Supplier<Multi<ProviderEvent>> call, boolean stream, Format format,
                        CallMeter meter, CallRecorder recorder, Duration sendTimeout) {
        HttpServerResponse response = ctx.response();
        Context context = Vertx.currentContext();
        OnEventLoop loop = new OnEventLoop(context);
        AtomicReference<Cancellable> running = new AtomicReference<>();
        Runnable cancel = () -> {
            Cancellable subscription = running.get();
            if (subscription != null) {
                subscription.cancel();
            }
        };
        // nothing reaches the client before the call's row is in the ledger
        SpanContext trace = meter.trace(); // the call's lines carry its ids (no HTTP server span)
        Gate gate = new Gate(trace, () -> {
            cancel.run();
            json(response, 500, format.errorBody(new IllegalStateException("the answer could not be written")));
        });
        Multi<ProviderEvent> calling;
        if (recorder.mayOpenAlongside(meter)) {
            OnEventLoop back = new OnEventLoop(context);
            recorder.open(meter).subscribe().with(opened -> back.run(gate::open), failure -> back.run(() -> {
                gate.refuse(); // the call may have gone out, but cannot be recorded: it is stopped and refused
                cancel.run();
                json(response, format.status(failure), format.errorBody(failure));
            }));
            if (gate.refused()) {
                recorder.record(meter); // refused at once (the database pool is closing): the call does not go out
                return;
            }
            calling = call.get();
        } else {
            gate.open();
            calling = recorder.open(meter).emitOn(new OnEventLoop(context)::run)
                    .onItem().transformToMulti(opened -> call.get());
        }
        Multi<ProviderEvent> metered = calling.onItem().invoke(meter::observe)
                .onFailure().invoke(meter::failed)
                .onTermination().invoke(() -> recorder.record(meter));
        // a client that goes away cancels the call (set before subscribing: the answer may be ready at once)
        response.closeHandler(x -> cancel.run());
        if (!stream) {
            running.set(metered.collect().asList().subscribe().with(
                    all -> loop.run(() -> gate.run(() -> json(response, 200, format.document(all)))),
                    failure -> loop.run(() -> gate.run(
                            () -> json(response, format.status(failure), format.errorBody(failure))))));
            return;
        }
        Playing playing = new Playing(response, format, loop, gate, new Writer(response, context), sendTimeout, trace);
        running.set(playing);
        metered.subscribe().withSubscriber(playing);
    }

    /**
     * Plays a stream's events out as the client takes them: it asks the call for {@link #WINDOW} events, then for a
     * {@link #BATCH} more each time a batch was played, but only while the response's write queue is not full; else
     * once it drains. A client that reads slowly holds the upstream back (its reader pauses the connection) instead
     * of making the gateway hold the stream; one that reads nothing for the send timeout has its call stopped and its
     * connection closed (nginx's {@code send_timeout}), so it holds no upstream connection until the deadline.
     * Signals arrive on any thread; they are played on the response's event loop, through the ledger's gate.
     */
    private static final class Playing implements MultiSubscriber<ProviderEvent>, Cancellable {
        static final int WINDOW = 64;
        static final int BATCH = WINDOW / 2;
        private final HttpServerResponse response;
        private final Format format;
        private final OnEventLoop loop;
        private final Gate gate;
        private final Writer writer;
        private final Duration sendTimeout;
        private final SpanContext trace;
        private final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
        private boolean started;
        private int playedSinceAsk;
        /** Events to ask for once the client has read what waits for it. */
        private int owed;
        /** Whether the client has not read what waits for it: no more is asked for until it does. */
        private boolean waitingForClient;
        /** Stops the call when the client reads nothing for the send timeout; -1 when none is set. */
        private long stallTimer = -1;

        Playing(HttpServerResponse response, Format format, OnEventLoop loop, Gate gate, Writer writer,
                Duration sendTimeout, SpanContext trace) {
            this.response = response;
            this.format = format;
            this.loop = loop;
            this.gate = gate;
            this.writer = writer;
            this.sendTimeout = sendTimeout;
            this.trace = trace;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            if (Subscriptions.setIfEmpty(this.subscription, subscription)) {
                subscription.request(WINDOW);
            } // else the client went away first, and setIfEmpty cancelled it
        }

        @Override
        public void cancel() {
            Subscriptions.cancel(subscription);
            stopStallTimer();
        }

        @Override
        public void onItem(ProviderEvent event) {
            loop.run(() -> gate.run(() -> play(event)));
        }

        private void play(ProviderEvent event) {
            if (response.closed()) {
                return;
            }
            String frame = format.frame(event);
            if (!started) {
                started = true;
                response.setStatusCode(200).setChunked(true)
                        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                        .putHeader("Cache-Control", "no-cache").putHeader("X-Accel-Buffering", "no");
                // the first token goes out at once; later ones are batched
                response.write(format.opening() + (frame == null ? "" : frame));
            } else if (frame != null) {
                writer.append(frame);
            }
            if (++playedSinceAsk == BATCH) {
                playedSinceAsk = 0;
                askForMore();
            }
        }

        private void askForMore() {
            owed += BATCH;
            if (waitingForClient) {
                return;
            }
            if (!response.writeQueueFull()) {
                subscription.get().request(owed);
                owed = 0;
                return;
            }
            waitingForClient = true;
            if (sendTimeout.toMillis() > 0) {
                stallTimer = loop.context.owner().setTimer(sendTimeout.toMillis(), id -> {
                    stallTimer = -1;
                    SessionLogs.log(trace, () -> LOG.infof("a client read nothing of its stream for %s: the call is"
                            + " stopped", sendTimeout));
                    cancel();
                    response.reset();
                });
            }
            response.drainHandler(x -> {
                response.drainHandler(null);
                stopStallTimer();
                waitingForClient = false;
                subscription.get().request(owed);
                owed = 0;
            });
        }

        /** On the event loop, or from a client that went away. */
        private void stopStallTimer() {
            long timer = stallTimer;
            if (timer != -1) {
                stallTimer = -1;
                loop.context.owner().cancelTimer(timer);
            }
        }

        @Override
        public void onFailure(Throwable failure) {
            loop.run(() -> gate.run(() -> {
                stopStallTimer(); // the answer is all sent: the client reads the rest at its pace
                if (response.closed()) {
                    return;
                }
                if (started) {
                    writer.end(format.inBandError(failure));
                } else {
                    json(response, format.status(failure), format.errorBody(failure));
                }
            }));
        }

        @Override
        public void onCompletion() {
            loop.run(() -> gate.run(() -> {
                stopStallTimer(); // the answer is all sent: the client reads the rest at its pace
                if (!response.closed()) {
                    writer.end(format.closing());
                }
            }));
        }
    }

    /**
     * Holds a stream's signals until the call's row is in the ledger, then lets them through in order; drops them
     * when the row cannot be written. A held signal that throws ends the answer ({@code broken}) instead of leaving
     * the client waiting. Used on the event loop only.
     */
    private static final class Gate {
        private final SpanContext trace;
        private final Runnable broken;
        private List<Runnable> held = new ArrayList<>();
        private boolean refused;

        Gate(SpanContext trace, Runnable broken) {
            this.trace = trace;
            this.broken = broken;
        }

        void run(Runnable signal) {
            if (refused) {
                return;
            }
            if (held == null) {
                signal.run();
            } else {
                held.add(signal);
            }
        }

        void open() {
            List<Runnable> waiting = held;
            held = null;
            if (waiting == null || refused) {
                return;
            }
            for (Runnable signal : waiting) {
                try {
                    signal.run();
                } catch (RuntimeException e) {
                    SessionLogs.log(trace, () -> LOG.error("an answer could not be written", e));
                    refuse();
                    broken.run();
                    return;
                }
            }
        }

        void refuse() {
            refused = true;
            held = null;
        }

        boolean refused() {
            return refused;
        }
    }

    /**
     * Runs a stream's signals on the response's event loop, in their order: at once when already there (the usual
     * case, and then no queue and no hand-over per token), else queued; once one signal was queued, all later ones
     * are too, so none overtakes another.
     */
    private static final class OnEventLoop {
        final Context context;
        /** The loop's thread (the upstream call's context is another one on the same loop: compared by thread). */
        private final Thread loop = Thread.currentThread();
        private volatile boolean queueing;

        /** Made on the response's event loop. */
        OnEventLoop(Context context) {
            this.context = context;
        }

        void run(Runnable signal) {
            if (!queueing && Thread.currentThread() == loop) {
                signal.run();
            } else {
                queueing = true;
                context.runOnContext(x -> signal.run());
            }
        }
    }

    /**
     * Gathers the frames produced while handling one upstream read and writes them in one go at the end of the
     * event-loop turn: one write (and one flush) per batch instead of one per token.
     */
    private static final class Writer {
        private final HttpServerResponse response;
        private final Context context;
        private Buffer pending;

        Writer(HttpServerResponse response, Context context) {
            this.response = response;
            this.context = context;
        }

        void append(String frame) {
            if (frame.isEmpty()) {
                return;
            }
            if (pending == null) {
                pending = Buffer.buffer(frame);
                context.runOnContext(x -> flush());
            } else {
                pending.appendString(frame);
            }
        }

        private void flush() {
            if (pending != null && !response.closed() && !response.ended()) {
                response.write(pending);
            }
            pending = null;
        }

        void end(String last) {
            if (pending != null) {
                pending.appendString(last);
                response.end(pending);
                pending = null;
            } else {
                response.end(last);
            }
        }
    }

    /**
     * Runs {@code proceed} with the request's key id, on the request's event loop, once its virtual key is admitted;
     * otherwise answers the refusal (401/429, with {@code Retry-After} when waiting helps) in the door's error shape.
     */
    static void whenAdmitted(RoutingContext ctx, FrontDoorGuard guard, Function<FrontDoorRequest, String> errorBody,
                             Consumer<ApiKeys.Check> proceed) {
        guard.admit(ctx).emitOn(new OnEventLoop(Vertx.currentContext())::run).subscribe().with(check -> {
            ApiKeys.Refusal refusal = check.refusal();
            if (refusal == null) {
                proceed.accept(check);
                return;
            }
            FrontDoorRequest refused = new FrontDoorRequest(refusal.status(), refusal.code(), refusal.message(),
                    refusal.retryAfter() == null ? null : refusal.retryAfter().toSeconds());
            if (refused.retryAfterSeconds != null) {
                ctx.response().putHeader("Retry-After", String.valueOf(refused.retryAfterSeconds));
            }
            json(ctx.response(), refused.status, errorBody.apply(refused));
        }, failure -> json(ctx.response(), 503, errorBody.apply(new FrontDoorRequest(503, "unavailable",
                "API keys cannot be checked right now", 1L))));
    }

    static void json(HttpServerResponse response, int status, String body) {
        if (!response.closed() && !response.ended()) {
            response.setStatusCode(status).putHeader("Content-Type", "application/json").end(Buffer.buffer(body));
        }
    }
}

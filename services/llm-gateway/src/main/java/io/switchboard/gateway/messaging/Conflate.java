package io.switchboard.gateway.messaging;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lists handed on as they are asked for; those that arrive while none is asked for wait appended into one. A reader
 * that falls behind (Kafka's sink) then gets fewer, fuller items instead of a queue of small ones. Mutiny has no
 * such operator (its overflow strategies buffer each item or drop some).
 */
final class Conflate {
    private Conflate() {
    }

    static <T> Multi<List<T>> lists(Multi<List<T>> lists) {
        return Multi.createFrom().emitter(out -> {
            Waiting<T> waiting = new Waiting<>(out);
            out.onRequest(n -> waiting.drain());
            Cancellable upstream = lists.subscribe().with(waiting::add, waiting::fail, waiting::complete);
            out.onTermination(upstream::cancel);
        });
    }

    private static final class Waiting<T> {
        private final MultiEmitter<? super List<T>> out;
        /** Serializes emission: whoever finds it at zero drains, the others leave it to them (and say so). */
        private final AtomicInteger draining = new AtomicInteger();
        private List<T> items;
        private boolean completed;
        private Throwable failure;

        Waiting(MultiEmitter<? super List<T>> out) {
            this.out = out;
        }

        void add(List<T> list) {
            synchronized (this) {
                if (items == null) {
                    items = new ArrayList<>(list);
                } else {
                    items.addAll(list);
                }
            }
            drain();
        }

        void complete() {
            synchronized (this) {
                completed = true;
            }
            drain();
        }

        void fail(Throwable failure) {
            synchronized (this) {
                this.failure = failure;
            }
            drain();
        }

        void drain() {
            if (draining.getAndIncrement() != 0) {
                return;
            }
            int missed = 1;
            do {
                List<T> next;
                boolean done;
                Throwable failed;
                synchronized (this) {
                    next = items != null && out.requested() > 0 ? items : null;
                    if (next != null) {
                        items = null;
                    }
                    // what waits goes first, the end after it
                    done = items == null && next == null && completed;
                    failed = items == null && next == null ? failure : null;
                }
                if (next != null) {
                    out.emit(next);
                    continue;
                }
                if (failed != null) {
                    out.fail(failed);
                } else if (done) {
                    out.complete();
                }
                missed = draining.addAndGet(-missed);
            } while (missed != 0);
        }
    }
}

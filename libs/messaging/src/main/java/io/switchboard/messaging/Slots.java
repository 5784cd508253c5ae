package io.switchboard.messaging;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A bound on calls in flight: past it, calls wait their turn in arrival order without holding a thread, and a call
 * given up while it waits leaves the line. The runtime's tool calls, the gateway's upstream streams.
 */
public final class Slots {
    private final int limit;
    private final AtomicInteger inUse = new AtomicInteger();
    private final Queue<Place> waiting = new ConcurrentLinkedQueue<>();
    /** Drains asked for while one runs: they loop in it, not nest (a call that ends at once would recurse). */
    private final AtomicInteger draining = new AtomicInteger();

    public Slots(int limit) {
        this.limit = limit;
    }

    /** Runs {@code call} once a slot is free; the slot is given back when the call ends, however it ends. */
    public <T> Uni<T> run(Supplier<Uni<T>> call) {
        return Uni.createFrom().deferred(() -> {
            Place place = new Place();
            return place.granted().flatMap(x -> Uni.createFrom().<T>deferred(call::get))
                    .onTermination().invoke(place::end);
        });
    }

    /** Streams {@code call} once a slot is free; the slot is given back when the stream ends, however it ends. */
    public <T> Multi<T> stream(Supplier<Multi<T>> call) {
        return Multi.createFrom().deferred(() -> {
            Place place = new Place();
            return place.granted().onItem().transformToMulti(x -> Multi.createFrom().<T>deferred(call::get))
                    .onTermination().invoke(place::end);
        });
    }

    /** Calls in flight, for tests and status. */
    public int inUse() {
        return inUse.get();
    }

    /**
     * One call's place: waiting, then holding a slot, then done. Whichever of the grant and the call's end (which may
     * be a cancel, at any moment) comes second gives a granted slot back, so a slot is given back exactly once.
     */
    private final class Place {
        private static final int WAITING = 0;
        private static final int HOLDING = 1;
        private static final int DONE = 2;
        private final AtomicInteger state = new AtomicInteger(WAITING);
        private Runnable grant;

        Uni<Void> granted() {
            return Uni.createFrom().emitter(slot -> {
                grant = () -> {
                    if (state.compareAndSet(WAITING, HOLDING)) {
                        slot.complete(null);
                    } else {
                        release(); // given up while its grant was on its way
                    }
                };
                waiting.add(this);
                drain();
            });
        }

        void end() {
            int was = state.getAndSet(DONE);
            if (was == WAITING) {
                waiting.remove(this); // not there if its grant is on its way: that gives the slot back
            } else if (was == HOLDING) {
                release();
            }
        }
    }

    private void release() {
        inUse.decrementAndGet();
        drain();
    }

    private void drain() {
        if (draining.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        while (true) {
            while (true) {
                int used = inUse.get();
                if (used >= limit || waiting.isEmpty()) {
                    break;
                }
                if (inUse.compareAndSet(used, used + 1)) {
                    Place next = waiting.poll();
                    if (next == null) {
                        inUse.decrementAndGet(); // another thread took it first
                        continue;
                    }
                    next.grant.run();
                }
            }
            missed = draining.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }
}

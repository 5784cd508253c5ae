package io.switchboard.messaging;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A bound on calls in flight: past it, calls wait their turn in arrival order without holding a thread, and a call
 * given up while it waits leaves the line. The runtime's tool calls, the gateway's upstream streams.
 */
public final class Slots {
    private final int limit;
    private final AtomicInteger inUse = new AtomicInteger();
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    public Slots(int limit) {
        this.limit = limit;
    }

    /** Runs {@code call} once a slot is free; the slot is given back when the call ends, however it ends. */
    public <T> Uni<T> run(Supplier<Uni<T>> call) {
        return granted().flatMap(x -> call.get().onTermination().invoke(this::release));
    }

    /** Streams {@code call} once a slot is free; the slot is given back when the stream ends, however it ends. */
    public <T> Multi<T> stream(Supplier<Multi<T>> call) {
        return granted().onItem().transformToMulti(x -> call.get().onTermination().invoke(this::release));
    }

    /** Calls in flight, for tests and status. */
    public int inUse() {
        return inUse.get();
    }

    private Uni<Void> granted() {
        return Uni.createFrom().emitter(slot -> {
            AtomicBoolean settled = new AtomicBoolean(); // granted, or given up while waiting
            Runnable grant = () -> {
                if (settled.compareAndSet(false, true)) {
                    slot.complete(null);
                } else {
                    release();
                }
            };
            slot.onTermination(() -> {
                if (settled.compareAndSet(false, true)) {
                    waiting.remove(grant);
                }
            });
            waiting.add(grant);
            drain();
        });
    }

    private void release() {
        inUse.decrementAndGet();
        drain();
    }

    private void drain() {
        while (true) {
            int used = inUse.get();
            if (used >= limit || waiting.isEmpty()) {
                return;
            }
            if (inUse.compareAndSet(used, used + 1)) {
                Runnable next = waiting.poll();
                if (next == null) {
                    inUse.decrementAndGet(); // another thread took it first
                    continue;
                }
                next.run();
            }
        }
    }
}

package io.switchboard.runtime.turn;

import io.smallrye.mutiny.Uni;
import io.switchboard.runtime.config.RuntimeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The runtime-wide bound on tool calls in flight ({@code runtime.tools.max-concurrent}): past it, calls wait their
 * turn in arrival order without holding a thread. Keeps one busy session (or a model asking for a hundred calls at
 * once) from starving the others or the tools' own backends.
 */
@ApplicationScoped
public class ToolSlots {
    private final int limit;
    private final AtomicInteger inUse = new AtomicInteger();
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    @Inject
    public ToolSlots(RuntimeConfig config) {
        this(config.tools().maxConcurrent());
    }

    ToolSlots(int limit) {
        this.limit = limit;
    }

    /** Runs {@code call} once a slot is free; the slot is given back when the call ends, however it ends. */
    public <T> Uni<T> run(Supplier<Uni<T>> call) {
        return Uni.createFrom().<Void>emitter(slot -> {
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
        }).flatMap(x -> call.get().onTermination().invoke(this::release));
    }

    private void release() {
        inUse.decrementAndGet();
        drain();
    }

    /** Calls in flight, for tests and status. */
    public int inUse() {
        return inUse.get();
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

package io.switchboard.runtime.turn;

import io.smallrye.mutiny.Uni;
import io.switchboard.messaging.Slots;
import io.switchboard.runtime.config.RuntimeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.function.Supplier;

/**
 * The runtime-wide bound on tool calls in flight ({@code runtime.tools.max-concurrent}): past it, calls wait their
 * turn in arrival order without holding a thread ({@link Slots}). Keeps one busy session (or a model asking for a
 * hundred calls at once) from starving the others or the tools' own backends.
 */
@ApplicationScoped
public class ToolSlots {
    private final Slots slots;

    @Inject
    public ToolSlots(RuntimeConfig config) {
        this(config.tools().maxConcurrent());
    }

    ToolSlots(int limit) {
        this.slots = new Slots(limit);
    }

    /** Runs {@code call} once a slot is free; the slot is given back when the call ends, however it ends. */
    public <T> Uni<T> run(Supplier<Uni<T>> call) {
        return slots.run(call);
    }

    /** Calls in flight, for tests and status. */
    public int inUse() {
        return slots.inUse();
    }
}

package io.switchboard.runtime.turn;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One mailbox per session: a session's work runs one task at a time, in the order submitted; different sessions run
 * in parallel. An idle session costs nothing: its entry is removed when its last task ends.
 */
@ApplicationScoped
public class SessionMailboxes {
    private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();

    public void submit(String sessionId, Supplier<Uni<Void>> task) {
        CompletableFuture<Void> tail = tails.compute(sessionId, (id, previous) ->
                (previous == null ? CompletableFuture.<Void>completedFuture(null) : previous)
                        .thenCompose(x -> task.get().subscribeAsCompletionStage())
                        .handle((result, failure) -> null));
        tail.whenComplete((result, failure) -> tails.remove(sessionId, tail));
    }

    /** Sessions with work queued or running. */
    public int active() {
        return tails.size();
    }
}

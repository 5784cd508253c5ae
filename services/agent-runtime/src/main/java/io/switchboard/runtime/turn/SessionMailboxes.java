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

    /**
     * Starts the task at once as the session's only work if it has none queued or running; else runs nothing and
     * gives false. Tasks submitted meanwhile run after it.
     */
    public boolean submitIfIdle(String sessionId, Supplier<Uni<Void>> task) {
        CompletableFuture<Void> tail = new CompletableFuture<>();
        if (tails.putIfAbsent(sessionId, tail) != null) {
            return false;
        }
        Uni.createFrom().deferred(task::get).subscribe()
                .with(x -> end(sessionId, tail), failure -> end(sessionId, tail));
        return true;
    }

    private void end(String sessionId, CompletableFuture<Void> tail) {
        tails.remove(sessionId, tail);
        tail.complete(null);
    }

    /** Sessions with work queued or running. */
    public int active() {
        return tails.size();
    }
}

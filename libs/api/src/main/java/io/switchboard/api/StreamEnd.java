package io.switchboard.api;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Ends a service's long-lived streams (SSE) when it stops: each ends with a last item, a hint to reconnect at once,
 * and its client goes on from where it was at another replica (or at this one, restarted). Held open, a stream would
 * hold the stop up until it was cut without a word.
 */
public final class StreamEnd {
    private static final Object END = new Object();
    /** The streams open now: each one's end signal (a stream that ends by itself takes its signal away). */
    private final Set<MultiEmitter<Object>> open = ConcurrentHashMap.newKeySet();
    private volatile boolean ended;

    /** Ends every stream; those begun from now on end at once. */
    public void end() {
        ended = true;
        open.forEach(signal -> signal.emit(END));
    }

    /** {@code stream} until the end, then {@code last}. */
    @SuppressWarnings("unchecked")
    public <T> Multi<T> until(Multi<T> stream, Supplier<T> last) {
        Multi<Object> end = Multi.createFrom().emitter(signal -> {
            open.add(signal);
            signal.onTermination(() -> open.remove(signal));
            if (ended) {
                signal.emit(END);
            }
        });
        return Multi.createBy().merging().streams(stream.onItem().<Object>transform(item -> item), end)
                .select().first(item -> item != END)
                .onItem().transform(item -> (T) item)
                .onCompletion().continueWith(() -> List.of(last.get()));
    }
}

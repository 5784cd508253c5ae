package io.switchboard.runtime.turn;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.switchboard.runtime.context.Conversation;
import io.switchboard.runtime.repository.SessionRepository;
import java.time.Duration;
import java.util.UUID;

/**
 * The conversations this replica's runners had at the end of their sessions' last turns, so the session's next turn
 * here goes on from it instead of reading its whole conversation again. One is taken only when nothing can have
 * changed it since: no other runner held the session meanwhile (the lease's token is the same, or one more when this
 * runner let the session go between turns and took it again: any other runner's claim would have counted too), and
 * the new user message comes right after its last message in the journal, and the session's newest context snapshot
 * is the one it was cut at. Bounded by about {@link #MAX_BYTES} held; the least recently used go first, and any
 * untouched for {@link #IDLE} (a session that ended, or moved to another replica).
 */
final class KeptConversations {
    static final long MAX_BYTES = 32L * 1024 * 1024;
    static final Duration IDLE = Duration.ofMinutes(10);

    private record Kept(long fence, int lastPosition, Conversation conversation) {
    }

    private final Cache<UUID, Kept> kept = Caffeine.newBuilder().maximumWeight(MAX_BYTES).expireAfterAccess(IDLE)
            .weigher((UUID session, Kept k) -> (int) Math.min(Integer.MAX_VALUE, k.conversation().footprint()))
            .build();

    /**
     * Keeps the session's conversation as it stands at the end of a turn committed under {@code fence}: as the journal
     * would give it, from its newest snapshot on.
     */
    void keep(UUID sessionId, long fence, Conversation conversation) {
        Conversation rest = conversation.afterSnapshot();
        kept.put(sessionId, new Kept(fence, rest.lastPosition(), rest));
    }

    /**
     * The session's kept conversation when the turn just {@code claimed} can go on from it (its user message joined
     * right after it, under the same lease or this runner's next, with the same newest snapshot); else null. Either
     * way it is no longer kept (the turn owns it now, or a turn taken up again reads the journal).
     */
    Conversation take(UUID sessionId, SessionRepository.Claimed claimed) {
        Kept found = kept.asMap().remove(sessionId);
        long fence = claimed.fence();
        return found != null && claimed.joinedPosition() != null
                && (fence == found.fence() || fence == found.fence() + 1)
                && found.lastPosition() + 1 == claimed.joinedPosition()
                && found.conversation().snapshotPosition() == claimed.snapshotPosition() ? found.conversation() : null;
    }
}

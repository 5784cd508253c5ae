package io.switchboard.contracts.llm;

import java.time.Duration;

/**
 * Which gateway replica one reply on {@code llm.replies} is taken from: a requester keeps one of these per request and
 * asks it about every chunk, by the chunk's {@link LlmChunk#REPLICA_HEADER}. A request read again after its partition
 * moved, before its first read was committed, is answered by two replicas at once, and their chunks would interleave.
 * The first replica to answer is kept; another one is taken only when it starts over (chunk 0) after the first has
 * been silent for longer than a live replica ever is (it sends a keep-alive at least every 7.5 s): the first died, and
 * its restart or another replica answers anew. Chunks that name no replica (a gateway from before the header) are
 * always taken.
 */
public final class ReplyReplica {
    /** Longer than the gateway's longest silence while it serves a call (keep-alives every 5 to 7.5 s). */
    public static final Duration SILENT = Duration.ofSeconds(8);

    private String serving;
    private long lastChunk;

    /** Whether the chunk {@code seq} from {@code replica}, arriving at {@code nanos} (System.nanoTime), is taken. */
    public synchronized boolean takes(String replica, int seq, long nanos) {
        if (replica == null) {
            return true;
        }
        boolean takes = serving == null || serving.equals(replica)
                || seq == 0 && nanos - lastChunk > SILENT.toNanos();
        if (takes) {
            serving = replica;
            lastChunk = nanos;
        }
        return takes;
    }
}

package io.switchboard.runtime.repository;

import java.time.Instant;
import java.util.UUID;

/**
 * A row of {@code runtime.sessions}, with the name of its agent's version it runs on; a sub-agent's session has the
 * asking session as {@code parentSessionId} and one more {@code depth}. {@code lastSeq} is the seq of its last
 * committed event; {@code seqReserved} the highest seq a runner may have sent (above {@code lastSeq} while a turn runs).
 */
public record Session(UUID id, UUID orgId, UUID agentId, int agentVersion, String agentName, Instant createdAt, long lastSeq,
                      long seqReserved, UUID parentSessionId, int depth) {
}

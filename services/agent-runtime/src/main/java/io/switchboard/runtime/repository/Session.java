package io.switchboard.runtime.repository;

import java.time.Instant;
import java.util.UUID;

/** A row of {@code runtime.sessions}, with its agent's name. */
public record Session(UUID id, UUID agentId, String agentName, Instant createdAt, long lastSeq) {
}

package io.switchboard.runtime.repository;

import java.time.Instant;
import java.util.UUID;

/** A row of {@code runtime.messages}; {@code toolCalls} is a JSON array (assistant messages) or null. */
public record StoredMessage(int position, UUID turnId, String role, String content, String toolCalls,
                            String toolCallId, Instant createdAt) {
}

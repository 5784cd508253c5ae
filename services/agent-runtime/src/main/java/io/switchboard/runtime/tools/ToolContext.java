package io.switchboard.runtime.tools;

import java.util.List;
import java.util.UUID;

/**
 * What a tool call knows besides its arguments: {@code idempotencyKey} is the same on every attempt of this step of
 * the turn (tools with side effects pass it on so they happen once); {@code httpAllowedHosts} is the calling agent's
 * allow-list for the HTTP tool (empty: any public host); {@code sessionId} the session whose turn calls.
 */
public record ToolContext(String idempotencyKey, List<String> httpAllowedHosts, UUID sessionId) {
}

package io.switchboard.runtime.repository;

import java.time.Instant;
import java.util.UUID;

/** A tool call that waits for an operator ({@code runtime.approvals}); {@code agentName} is for lists. */
public record Approval(UUID id, UUID sessionId, UUID turnId, String callId, String toolName, String arguments,
                       String status, String reason, Instant requestedAt, Instant decidedAt, String agentName) {
    public static final String PENDING = "pending";
    public static final String APPROVED = "approved";
    public static final String DENIED = "denied";
}

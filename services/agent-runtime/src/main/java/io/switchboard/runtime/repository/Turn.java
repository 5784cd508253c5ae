package io.switchboard.runtime.repository;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * A row of {@code runtime.turns}; {@code attempts} counts the runners that started it (more than 1 after a crash). An
 * ended turn has the seq of its end event and its model calls' tokens (null for turns ended before they were kept).
 */
public record Turn(UUID id, UUID sessionId, String userText, String status, String errorCode, String errorReason,
                   Instant createdAt, Instant finishedAt, int attempts, Long endSeq, Integer inputTokens,
                   Integer outputTokens, BigDecimal costUsd) {
    public static final String PENDING = "pending";
    public static final String RUNNING = "running";
    /** Paused for operators (approvals): no runner holds it until they decide; then it is running again. */
    public static final String WAITING = "waiting";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";
    public static final String CANCELLED = "cancelled";
    /** The error code of a message refused because its session was busy (the agent's onBusy is reject). */
    public static final String BUSY = "busy";
}

package io.switchboard.gateway.usage;

import java.time.Instant;

/** One LLM call as recorded in {@code gateway.llm_calls}; {@code ttftMs} is null when no content arrived. */
public record CallRecord(String requestId, String sessionId, String turnId, String model, String provider,
                         String status, int inputTokens, int outputTokens, int latencyMs, Integer ttftMs,
                         Instant startedAt) {
}

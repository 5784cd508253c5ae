package io.switchboard.gateway.usage;

import java.time.Instant;

/**
 * One LLM call as recorded in {@code gateway.llm_calls}: the deployment that served it (the last one tried), the
 * number of attempts, tokens, latency and time to first token ({@code ttftMs} null when no content arrived).
 */
public record CallRecord(String requestId, String sessionId, String turnId, String model, String deployment,
                         String provider, int attempts, String status, int inputTokens, int outputTokens,
                         int cachedInputTokens, int latencyMs, Integer ttftMs, Instant startedAt) {
}

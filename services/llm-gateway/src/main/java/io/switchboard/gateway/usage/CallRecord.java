package io.switchboard.gateway.usage;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * One LLM call as recorded in {@code gateway.llm_calls}: the deployment that served it (the last one tried) and its
 * upstream model, the number of attempts, tokens, cost, latency and time to first token ({@code ttftMs} null when no
 * content arrived; {@code latencyMs} too while the call is running). {@code droppedSettings}: the generation settings the
 * call went on without, its deployment's vendor having no field for them (comma-separated; null when none).
 * {@code usageEstimated}: the vendor reported no usage, and the tokens are estimated from the text.
 */
public record CallRecord(String requestId, String sessionId, String turnId, String agentId, String model,
                         String deployment, String upstreamModel, String provider, int attempts, String status,
                         int inputTokens, int outputTokens, int cachedInputTokens, BigDecimal costUsd, Integer latencyMs,
                         Integer ttftMs, Instant startedAt, UUID apiKeyId, UUID orgId, String droppedSettings,
                         boolean usageEstimated) {
}

package io.switchboard.contracts.llm;

import java.util.List;

/**
 * A chat completion request on {@code llm.requests}, keyed by {@code requestId}. The reply is a stream of
 * {@link LlmChunk}s on {@code llm.replies} that ends with a chunk whose {@link LlmChunk#last()} is true.
 * {@code sessionId}, {@code turnId} and {@code agentId} are for accounting and tracing and may be null.
 */
public record LlmRequest(String requestId, String sessionId, String turnId, String model, List<ChatMessage> messages,
                         List<ToolSpec> tools, String agentId, int schemaVersion) {
    public static final int SCHEMA_VERSION = 1;

    public static LlmRequest of(String requestId, String sessionId, String turnId, String model,
                                List<ChatMessage> messages, List<ToolSpec> tools) {
        return new LlmRequest(requestId, sessionId, turnId, model, messages, tools, null, SCHEMA_VERSION);
    }

    /** The same request, attributed to an agent. */
    public LlmRequest forAgent(String agent) {
        return new LlmRequest(requestId, sessionId, turnId, model, messages, tools, agent, schemaVersion);
    }
}

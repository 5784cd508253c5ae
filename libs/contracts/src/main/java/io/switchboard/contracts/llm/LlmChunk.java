package io.switchboard.contracts.llm;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.math.BigDecimal;

/**
 * One piece of a streamed reply on {@code llm.replies}. {@link #seq()} counts the chunks of one request from 0 with
 * no gaps, so the requester can tell a lost chunk from the end. Exactly one chunk per reply is {@link #last()}:
 * {@link Finished} or {@link Failed}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = LlmChunk.TextDelta.class, name = "TextDelta"),
        @JsonSubTypes.Type(value = LlmChunk.ReasoningDelta.class, name = "ReasoningDelta"),
        @JsonSubTypes.Type(value = LlmChunk.ToolCallRequested.class, name = "ToolCallRequested"),
        @JsonSubTypes.Type(value = LlmChunk.Usage.class, name = "Usage"),
        @JsonSubTypes.Type(value = LlmChunk.KeepAlive.class, name = "KeepAlive"),
        @JsonSubTypes.Type(value = LlmChunk.Finished.class, name = "Finished"),
        @JsonSubTypes.Type(value = LlmChunk.Failed.class, name = "Failed")
})
public sealed interface LlmChunk {
    int SCHEMA_VERSION = 1;
    /**
     * The Kafka header naming the gateway process that sent a chunk. A request read again after its partition moved
     * can be answered by two replicas at once; the requester keeps to one of them by this header.
     */
    String REPLICA_HEADER = "switchboard-replica";

    String requestId();

    int seq();

    int schemaVersion();

    @JsonIgnore
    default boolean last() {
        return false;
    }

    /** Text of the answer, in order. */
    record TextDelta(String requestId, int seq, String text, int schemaVersion) implements LlmChunk {
        public TextDelta(String requestId, int seq, String text) {
            this(requestId, seq, text, SCHEMA_VERSION);
        }
    }

    /** Reasoning ("thinking") text, kept apart from the answer. */
    record ReasoningDelta(String requestId, int seq, String text, int schemaVersion) implements LlmChunk {
        public ReasoningDelta(String requestId, int seq, String text) {
            this(requestId, seq, text, SCHEMA_VERSION);
        }
    }

    /** A complete tool call (the gateway merges a provider's argument fragments before sending). */
    record ToolCallRequested(String requestId, int seq, ToolCall call, int schemaVersion) implements LlmChunk {
        public ToolCallRequested(String requestId, int seq, ToolCall call) {
            this(requestId, seq, call, SCHEMA_VERSION);
        }
    }

    /**
     * Billable token counts for the whole call; {@code cachedInputTokens} of the input came from a prompt cache.
     * {@code costUsd}: what they cost at the gateway's prices, null when the model has none (or an older gateway).
     */
    record Usage(String requestId, int seq, int inputTokens, int outputTokens, int cachedInputTokens,
                 BigDecimal costUsd, int schemaVersion) implements LlmChunk {
        public Usage(String requestId, int seq, int inputTokens, int outputTokens) {
            this(requestId, seq, inputTokens, outputTokens, 0, null, SCHEMA_VERSION);
        }

        public Usage(String requestId, int seq, int inputTokens, int outputTokens, int cachedInputTokens,
                     BigDecimal costUsd) {
            this(requestId, seq, inputTokens, outputTokens, cachedInputTokens, costUsd, SCHEMA_VERSION);
        }
    }

    /**
     * Nothing new yet, but the gateway is still at the call: sent while the model is silent (a long first token, a
     * long think) so that the requester can tell a slow model from a gateway that died mid-call. Readers that know it
     * must be running before a gateway sends it.
     */
    record KeepAlive(String requestId, int seq, int schemaVersion) implements LlmChunk {
        public KeepAlive(String requestId, int seq) {
            this(requestId, seq, SCHEMA_VERSION);
        }
    }

    /**
     * The model is done; {@code finishReason} is {@code stop}, {@code tool_calls} or {@code length}. {@code usage}:
     * the call's token counts when the provider gave them just before the end (null otherwise); they ride here
     * rather than in a {@link Usage} chunk of their own, one record fewer per call.
     */
    record Finished(String requestId, int seq, String finishReason, Tokens usage, int schemaVersion)
            implements LlmChunk {
        public Finished(String requestId, int seq, String finishReason) {
            this(requestId, seq, finishReason, null, SCHEMA_VERSION);
        }

        public Finished(String requestId, int seq, String finishReason, Tokens usage) {
            this(requestId, seq, finishReason, usage, SCHEMA_VERSION);
        }

        @Override
        public boolean last() {
            return true;
        }
    }

    /**
     * Billable token counts of a call; {@code cachedInputTokens} of the input came from a prompt cache.
     * {@code costUsd}: what they cost at the gateway's prices, null when the model has none (or an older gateway).
     */
    record Tokens(int inputTokens, int outputTokens, int cachedInputTokens, BigDecimal costUsd) {
        public Tokens(int inputTokens, int outputTokens, int cachedInputTokens) {
            this(inputTokens, outputTokens, cachedInputTokens, null);
        }
    }

    /**
     * The call failed. {@code code}: {@code rate_limited}, {@code overloaded}, {@code provider_error},
     * {@code timeout}, {@code connection_failed}, {@code stream_interrupted}, {@code invalid_request},
     * {@code context_length_exceeded}, {@code authentication_failed}, {@code not_found}, {@code unknown_model},
     * {@code no_deployment_available}; {@code retryable} says whether trying again later may help.
     */
    record Failed(String requestId, int seq, String code, String message, boolean retryable, int schemaVersion)
            implements LlmChunk {
        public Failed(String requestId, int seq, String code, String message, boolean retryable) {
            this(requestId, seq, code, message, retryable, SCHEMA_VERSION);
        }

        @Override
        public boolean last() {
            return true;
        }
    }
}

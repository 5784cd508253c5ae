package io.switchboard.gateway.provider;

import java.util.List;

/**
 * One thing a model produced, in the gateway's single stream model. Every adapter translates its vendor's wire format
 * into these; the Kafka replier and the HTTP front doors translate them out again. Failures are not events: a stream
 * fails with a {@link ProviderException}.
 */
public sealed interface ProviderEvent {

    /**
     * Answer text, in order. {@code logprobs}: when the call asked for them, the vendor's log probabilities of this
     * text's tokens as it sent them (OpenAI's {@code logprobs.content} array, JSON), else null.
     */
    record TextDelta(String text, String logprobs) implements ProviderEvent {
        public TextDelta(String text) {
            this(text, null);
        }
    }

    /** Reasoning ("thinking") text, kept apart from the answer. */
    record ReasoningDelta(String text) implements ProviderEvent {
    }

    /**
     * The vendor's signature over the reasoning just given (Anthropic): it ends that reasoning, and goes back with it
     * when the conversation goes on.
     */
    record ReasoningSignature(String signature) implements ProviderEvent {
    }

    /** A complete tool call; adapters merge the vendor's argument fragments. {@code arguments} is a JSON object. */
    record ToolCall(String id, String name, String arguments) implements ProviderEvent {
    }

    /** The vectors of an embeddings call, one per input, in order. */
    record Embeddings(List<float[]> vectors) implements ProviderEvent {
    }

    /** Token counts for the call; {@code cachedInputTokens} is the part of the input served from a prompt cache. */
    record Usage(int inputTokens, int outputTokens, int cachedInputTokens) implements ProviderEvent {
    }

    /** The last event of a successful stream: {@code stop}, {@code tool_calls}, {@code length} or {@code content_filter}. */
    record Finish(String reason) implements ProviderEvent {
    }

    /**
     * A streamed chunk's JSON as its vendor sent it ({@code data}, without the SSE framing), given before the events
     * read from it, for a front door that speaks the vendor's format to pass on as it is. {@code usageOnly}: the chunk
     * carries only the usage (no choice), which a client gets only when it asked for it. Only the OpenAI adapter gives
     * them, and only when asked ({@link ChatProvider#stream(io.switchboard.contracts.llm.LlmRequest, boolean)}); a
     * chunk that gave no event before the first one that did comes with it.
     */
    record Verbatim(String data, boolean usageOnly) implements ProviderEvent {
    }

    /**
     * Not from a model: the Kafka replier's sign of life while the model is silent ({@code LlmChunk.KeepAlive}). The
     * HTTP front doors never see it.
     */
    record KeepAlive() implements ProviderEvent {
    }
}

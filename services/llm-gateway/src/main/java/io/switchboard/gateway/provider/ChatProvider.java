package io.switchboard.gateway.provider;

import io.smallrye.mutiny.Multi;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;

/**
 * A model vendor's API, translated to the one chunk model. Adapters only translate; routing, retries and accounting
 * live outside them. The stream ends with exactly one {@link LlmChunk#last()} chunk and never fails: errors become a
 * {@link LlmChunk.Failed} chunk.
 */
public interface ChatProvider {

    /** The name used in traces and accounting, e.g. {@code openai}. */
    String name();

    Multi<LlmChunk> stream(LlmRequest request);
}

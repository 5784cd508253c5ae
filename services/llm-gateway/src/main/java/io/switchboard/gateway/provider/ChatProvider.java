package io.switchboard.gateway.provider;

import io.smallrye.mutiny.Multi;
import io.switchboard.contracts.llm.LlmRequest;

/**
 * A model vendor's API, translated to the one stream model. Adapters only translate: retries, fallbacks, cooldowns
 * and accounting live in the router. A successful stream ends with {@link ProviderEvent.Finish}; a failed one fails
 * with a {@link ProviderException} saying what kind of failure it was.
 */
public interface ChatProvider {

    /** The vendor's name in traces and accounting ({@code gen_ai.provider.name}), e.g. {@code openai}. */
    String name();

    Multi<ProviderEvent> stream(LlmRequest request);
}

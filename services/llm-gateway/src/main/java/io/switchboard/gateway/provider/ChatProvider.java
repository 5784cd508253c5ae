package io.switchboard.gateway.provider;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Multi;
import io.switchboard.contracts.llm.LlmRequest;
import java.util.List;

/**
 * A model vendor's API, translated to the one stream model. Adapters only translate: retries, fallbacks, cooldowns
 * and accounting live in the router. A successful stream ends with {@link ProviderEvent.Finish}; a failed one fails
 * with a {@link ProviderException} saying what kind of failure it was.
 */
public interface ChatProvider {

    /** The vendor's name in traces and accounting ({@code gen_ai.provider.name}), e.g. {@code openai}. */
    String name();

    Multi<ProviderEvent> stream(LlmRequest request);

    /**
     * {@link #stream(LlmRequest)}; an adapter whose vendor speaks a front door's format also gives each chunk as it
     * was sent when {@code asSent} ({@link ProviderEvent.Verbatim}).
     */
    default Multi<ProviderEvent> stream(LlmRequest request, boolean asSent) {
        return stream(request);
    }

    /**
     * Embeds the inputs: {@link ProviderEvent.Embeddings}, then {@link ProviderEvent.Usage} and
     * {@link ProviderEvent.Finish}. Vendors without an embeddings API refuse the call.
     */
    default Multi<ProviderEvent> embed(EmbeddingRequest request) {
        return Multi.createFrom().failure(new ProviderException(ProviderException.Kind.INVALID_REQUEST, 400,
                name() + " deployments have no embeddings API", null));
    }

    /** Texts to embed, and the vector size asked for (null: the model's own). */
    record EmbeddingRequest(List<String> inputs, Integer dimensions) {
    }

    /** The events of a finished embeddings call; a vector per input, or the answer is not one to trust. */
    static Multi<ProviderEvent> embedded(EmbeddingRequest request, List<float[]> vectors, int inputTokens) {
        if (vectors.size() != request.inputs().size()) {
            throw new ProviderException(ProviderException.Kind.SERVER_ERROR, "the provider answered "
                    + vectors.size() + " embeddings for " + request.inputs().size() + " inputs");
        }
        return Multi.createFrom().items(new ProviderEvent.Embeddings(vectors),
                new ProviderEvent.Usage(inputTokens, 0, 0), new ProviderEvent.Finish("stop"));
    }

    /** {@code {"model", "input": [...], "dimensions"?}}: what OpenAI's and Ollama's embeddings APIs both take. */
    static ObjectNode embeddingsBody(String model, EmbeddingRequest request) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("model", model);
        ArrayNode input = body.putArray("input");
        request.inputs().forEach(input::add);
        Json.putIfSet(body, "dimensions", request.dimensions());
        return body;
    }
}

package io.switchboard.evals.messaging;

import io.quarkus.kafka.client.serialization.ObjectMapperDeserializer;
import io.switchboard.contracts.llm.LlmChunk;

public class LlmChunkDeserializer extends ObjectMapperDeserializer<LlmChunk> {
    public LlmChunkDeserializer() {
        super(LlmChunk.class);
    }
}

package io.switchboard.gateway.messaging;

import io.quarkus.kafka.client.serialization.ObjectMapperDeserializer;
import io.switchboard.contracts.llm.LlmRequest;

public class LlmRequestDeserializer extends ObjectMapperDeserializer<LlmRequest> {
    public LlmRequestDeserializer() {
        super(LlmRequest.class);
    }
}

package io.switchboard.gateway.messaging;

import io.quarkus.kafka.client.serialization.ObjectMapperDeserializer;
import io.switchboard.contracts.llm.LlmCancel;

public class LlmCancelDeserializer extends ObjectMapperDeserializer<LlmCancel> {
    public LlmCancelDeserializer() {
        super(LlmCancel.class);
    }
}

package io.switchboard.runtime.messaging;

import io.quarkus.kafka.client.serialization.ObjectMapperDeserializer;
import io.switchboard.contracts.agent.AgentCommand;
import io.switchboard.contracts.agent.AgentEvent;
import io.switchboard.contracts.agent.TurnCancel;
import io.switchboard.contracts.llm.LlmChunk;

/** Kafka deserializers for the contracts this service reads. */
public final class Serdes {
    private Serdes() {
    }

    public static class AgentCommandDeserializer extends ObjectMapperDeserializer<AgentCommand> {
        public AgentCommandDeserializer() {
            super(AgentCommand.class);
        }
    }

    public static class AgentEventDeserializer extends ObjectMapperDeserializer<AgentEvent> {
        public AgentEventDeserializer() {
            super(AgentEvent.class);
        }
    }

    public static class TurnCancelDeserializer extends ObjectMapperDeserializer<TurnCancel> {
        public TurnCancelDeserializer() {
            super(TurnCancel.class);
        }
    }

    public static class LlmChunkDeserializer extends ObjectMapperDeserializer<LlmChunk> {
        public LlmChunkDeserializer() {
            super(LlmChunk.class);
        }
    }
}

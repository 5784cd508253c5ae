package io.switchboard.evals.messaging;

import io.quarkus.kafka.client.serialization.ObjectMapperDeserializer;
import io.switchboard.contracts.agent.AgentEvent;

public class AgentEventDeserializer extends ObjectMapperDeserializer<AgentEvent> {
    public AgentEventDeserializer() {
        super(AgentEvent.class);
    }
}

package io.switchboard.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Multi;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.messaging.LlmRequestConsumer;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/**
 * A request that reaches a gateway after its clean stop began (fetched before its consumer paused) is left in Kafka
 * for the partition's next owner: not answered, not acked. Served, it would meet the ledger closing and fail the turn.
 * (A profile of its own: the stop pauses this application's consumer for good.)
 */
@QuarkusTest
@TestProfile(StoppingGatewayTest.Stopping.class)
class StoppingGatewayTest {

    public static class Stopping implements QuarkusTestProfile {
    }

    @Inject
    LlmRequestConsumer consumer;

    @Inject
    Event<ShutdownDelayInitiatedEvent> shutdown;

    @Test
    void aRequestFetchedBeforeTheStopIsLeftForTheNextOwner() {
        AtomicBoolean acked = new AtomicBoolean();
        Message<LlmRequest> request = Message.of(request(), () -> {
            acked.set(true);
            return CompletableFuture.completedFuture(null);
        });
        List<Message<LlmChunk>> served = consumer.serveEach(Multi.createFrom().item(request)).collect().asList()
                .await().atMost(Duration.ofSeconds(10));
        assertThat(served).as("served before the stop").isNotEmpty();
        assertThat(acked).isTrue();

        shutdown.fire(new ShutdownDelayInitiatedEvent());
        acked.set(false);
        Message<LlmRequest> late = Message.of(request(), () -> {
            acked.set(true);
            return CompletableFuture.completedFuture(null);
        });
        assertThat(consumer.serveEach(Multi.createFrom().item(late)).collect().asList().await()
                .atMost(Duration.ofSeconds(10))).as("served after the stop began").isEmpty();
        assertThat(acked).as("acked after the stop began").isFalse();
    }

    private static LlmRequest request() {
        return LlmRequest.of(UUID.randomUUID().toString(), "session-1", "turn-1", "sim",
                List.of(ChatMessage.user("hello")), List.of());
    }
}

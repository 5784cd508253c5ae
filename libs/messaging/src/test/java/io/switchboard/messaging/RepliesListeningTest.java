package io.switchboard.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** A model call waits until the reply reader holds its partitions with its position taken; no longer. */
class RepliesListeningTest {
    private static final TopicPartition P0 = new TopicPartition("llm.replies", 0);
    private static final TopicPartition P1 = new TopicPartition("llm.replies", 1);

    @Test
    void callsWaitUntilTheReaderHoldsItsPartitionsFromTheEnd() {
        RepliesListening listening = new RepliesListening();
        MockConsumer<String, String> consumer = new MockConsumer<>("latest");
        consumer.updateEndOffsets(Map.of(P0, 12L, P1, 7L));

        UniAssertSubscriber<Void> first = listening.held().subscribe().withSubscriber(UniAssertSubscriber.create());
        UniAssertSubscriber<Void> givenUp = listening.held().subscribe().withSubscriber(UniAssertSubscriber.create());
        givenUp.cancel(); // a turn cancelled while it waited
        listening.onPartitionsAssigned(consumer, List.of());
        first.assertNotTerminated();
        assertThat(listening.call().getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);

        consumer.assign(List.of(P0, P1));
        listening.onPartitionsAssigned(consumer, List.of(P0, P1));
        first.assertCompleted();
        assertThat(listening.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        // the end is where the reader starts, taken before any request goes out (a reply written before the first
        // fetch is read, not skipped)
        consumer.updateEndOffsets(Map.of(P0, 13L, P1, 7L));
        assertThat(consumer.position(P0)).isEqualTo(12);
        assertThat(consumer.position(P1)).isEqualTo(7);

        listening.held().subscribe().withSubscriber(UniAssertSubscriber.create()).assertCompleted();
    }

    @Test
    void aReaderThatLostItsPartitionsGoesOnWhereItWasNotFromTheEnd() {
        RepliesListening listening = new RepliesListening();
        MockConsumer<String, String> consumer = new MockConsumer<>("latest");
        consumer.updateEndOffsets(Map.of(P0, 12L, P1, 7L));
        consumer.assign(List.of(P0, P1));
        listening.onPartitionsAssigned(consumer, List.of(P0, P1));
        consumer.seek(P0, 15); // read up to here when the broker went away

        listening.onPartitionsRevoked(consumer, List.of(P0, P1)); // lost: the group forgot its member
        consumer.unsubscribe();
        consumer.updateEndOffsets(Map.of(P0, 20L, P1, 9L)); // replies sent meanwhile (a call asked again)
        consumer.assign(List.of(P0, P1));
        listening.onPartitionsAssigned(consumer, List.of(P0, P1));

        assertThat(consumer.position(P0)).isEqualTo(15);
        assertThat(consumer.position(P1)).isEqualTo(7);
    }
}

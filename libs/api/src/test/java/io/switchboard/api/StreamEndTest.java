package io.switchboard.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import org.junit.jupiter.api.Test;

class StreamEndTest {

    @Test
    void aClientThatLeavesEndsOnlyItsOwnStreamAndTheStopEndsTheOthersWithTheirLastItem() {
        StreamEnd end = new StreamEnd();
        AssertSubscriber<String> leaving = end.until(Multi.createFrom().<String>nothing(), () -> "reconnect")
                .subscribe().withSubscriber(AssertSubscriber.create(10));
        AssertSubscriber<String> staying = end.until(Multi.createFrom().items("a", "b")
                        .onCompletion().switchTo(Multi.createFrom().nothing()), () -> "reconnect")
                .subscribe().withSubscriber(AssertSubscriber.create(10));
        leaving.cancel();
        staying.assertItems("a", "b").assertNotTerminated();

        end.end();
        staying.assertItems("a", "b", "reconnect").assertCompleted();
        AssertSubscriber<String> late = end.until(Multi.createFrom().nothing(), () -> "reconnect")
                .subscribe().withSubscriber(AssertSubscriber.create(10));
        late.assertItems("reconnect").assertCompleted();
        assertThat(leaving.getItems()).isEmpty();
    }
}

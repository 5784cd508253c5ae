package io.switchboard.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.smallrye.mutiny.subscription.Cancellable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Calls past the bound wait their turn, in arrival order, and leave the line when given up. */
class SlotsTest {

    @Test
    void pastTheLimitCallsWaitAndRunInArrivalOrderAsSlotsFree() {
        Slots slots = new Slots(2);
        List<CompletableFuture<String>> backends = new ArrayList<>();
        List<String> started = new CopyOnWriteArrayList<>();
        List<String> results = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 5; i++) {
            String name = "call-" + i;
            CompletableFuture<String> backend = new CompletableFuture<>();
            backends.add(backend);
            slots.run(() -> {
                started.add(name);
                return Uni.createFrom().completionStage(backend);
            }).subscribe().with(results::add);
        }
        assertThat(started).containsExactly("call-0", "call-1");
        assertThat(slots.inUse()).isEqualTo(2);
        backends.get(1).complete("one");
        assertThat(started).containsExactly("call-0", "call-1", "call-2");
        backends.get(0).completeExceptionally(new RuntimeException("a failing call frees its slot too"));
        assertThat(started).containsExactly("call-0", "call-1", "call-2", "call-3");
        backends.get(2).complete("two");
        backends.get(3).complete("three");
        backends.get(4).complete("four");
        assertThat(results).containsExactly("one", "two", "three", "four");
        assertThat(slots.inUse()).isZero();
    }

    @Test
    void aCallCancelledWhileWaitingNeverRunsAndHoldsNoSlot() {
        Slots slots = new Slots(1);
        CompletableFuture<String> first = new CompletableFuture<>();
        List<String> started = new CopyOnWriteArrayList<>();
        slots.run(() -> Uni.createFrom().completionStage(first)).subscribe().with(x -> { });
        Cancellable waiting = slots.run(() -> {
            started.add("cancelled one");
            return Uni.createFrom().item("never");
        }).subscribe().with(x -> { });
        waiting.cancel();
        first.complete("done");
        assertThat(started).isEmpty();
        assertThat(slots.inUse()).isZero();
        assertThat(slots.run(() -> Uni.createFrom().item("next")).await().atMost(Duration.ofSeconds(1)))
                .isEqualTo("next");
    }

    @Test
    void aStreamHoldsItsSlotUntilItEndsAndOneCancelledWhileWaitingNeverStarts() {
        Slots slots = new Slots(1);
        List<String> started = new CopyOnWriteArrayList<>();
        BroadcastProcessor<String> first = BroadcastProcessor.create();
        AssertSubscriber<String> firstReader = slots.stream(() -> {
            started.add("first");
            return first;
        }).subscribe().withSubscriber(AssertSubscriber.create(10));
        AssertSubscriber<String> cancelled = slots.stream(() -> {
            started.add("cancelled");
            return Multi.createFrom().item("never");
        }).subscribe().withSubscriber(AssertSubscriber.create(10));
        AssertSubscriber<String> second = slots.stream(() -> {
            started.add("second");
            return Multi.createFrom().items("a", "b");
        }).subscribe().withSubscriber(AssertSubscriber.create(10));

        first.onNext("1");
        assertThat(started).containsExactly("first");
        cancelled.cancel();
        first.onComplete();

        firstReader.assertCompleted().assertItems("1");
        second.assertCompleted().assertItems("a", "b");
        assertThat(started).containsExactly("first", "second");
        assertThat(slots.inUse()).isZero();
    }

    @Test
    void aCallThatThrowsGivesItsSlotBack() {
        Slots slots = new Slots(1);
        Uni<String> broken = slots.run(() -> {
            throw new IllegalStateException("a bug in the call");
        });
        assertThat(broken.onFailure().recoverWithItem("failed").await().atMost(Duration.ofSeconds(1)))
                .isEqualTo("failed");
        assertThat(slots.inUse()).isZero();
    }

    @Test
    void manyCallsThatEndAtOnceRunOneAfterAnotherWithoutNesting() {
        Slots slots = new Slots(1);
        CompletableFuture<String> first = new CompletableFuture<>();
        slots.run(() -> Uni.createFrom().completionStage(first)).subscribe().with(x -> { });
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 100_000; i++) { // each nested in the last, this many would overflow the stack
            slots.run(() -> Uni.createFrom().item(ran.incrementAndGet())).subscribe().with(x -> { });
        }
        first.complete("done");
        assertThat(ran).hasValue(100_000);
        assertThat(slots.inUse()).isZero();
    }
}

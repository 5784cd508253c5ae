package io.switchboard.runtime.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SessionMailboxesTest {
    private final SessionMailboxes mailboxes = new SessionMailboxes();

    @Test
    void aSessionsTasksRunOneAtATimeInOrderWhileSessionsRunInParallel() {
        List<String> finished = new CopyOnWriteArrayList<>();
        Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        AtomicInteger overlapsWithinASession = new AtomicInteger();
        AtomicInteger concurrentSessions = new AtomicInteger();
        AtomicInteger maxConcurrentSessions = new AtomicInteger();
        for (int task = 0; task < 4; task++) {
            for (String session : List.of("a", "b", "c")) {
                String name = session + task;
                mailboxes.submit(session, () -> Uni.createFrom().voidItem()
                        .invoke(() -> {
                            if (running.computeIfAbsent(session, s -> new AtomicInteger()).incrementAndGet() > 1) {
                                overlapsWithinASession.incrementAndGet();
                            }
                            maxConcurrentSessions.accumulateAndGet(concurrentSessions.incrementAndGet(), Math::max);
                        })
                        .onItem().delayIt().by(Duration.ofMillis(50))
                        .invoke(() -> {
                            concurrentSessions.decrementAndGet();
                            running.get(session).decrementAndGet();
                            finished.add(name);
                        }));
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> finished.size() == 12);
        assertThat(overlapsWithinASession).hasValue(0);
        assertThat(maxConcurrentSessions.get()).isGreaterThan(1);
        for (String session : List.of("a", "b", "c")) {
            assertThat(finished.stream().filter(n -> n.startsWith(session)).toList())
                    .containsExactly(session + 0, session + 1, session + 2, session + 3);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> mailboxes.active() == 0);
    }

    @Test
    void aTaskForAnIdleSessionStartsAtOnceAndOneForABusySessionIsNotRun() {
        List<String> finished = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> release = new CompletableFuture<>();
        assertThat(mailboxes.submitIfIdle("s", () -> Uni.createFrom().completionStage(release)
                .invoke(() -> finished.add("first")))).isTrue();
        assertThat(mailboxes.submitIfIdle("s", () -> Uni.createFrom().voidItem().invoke(() -> finished.add("never"))))
                .as("the session is busy").isFalse();
        mailboxes.submit("s", () -> Uni.createFrom().voidItem().invoke(() -> finished.add("queued")));
        assertThat(finished).as("queued behind the first").isEmpty();

        release.complete(null);
        await().atMost(Duration.ofSeconds(5)).until(() -> mailboxes.active() == 0);
        assertThat(finished).containsExactly("first", "queued");
        assertThat(mailboxes.submitIfIdle("s", () -> Uni.createFrom().failure(new IllegalStateException("boom"))))
                .isTrue();
        assertThat(mailboxes.active()).as("a failed task leaves the session idle").isZero();
    }

    @Test
    void aFailingTaskDoesNotStopTheSessionsNextOne() {
        List<String> finished = new CopyOnWriteArrayList<>();
        mailboxes.submit("s", () -> Uni.createFrom().failure(new IllegalStateException("boom")));
        mailboxes.submit("s", () -> Uni.createFrom().voidItem().invoke(() -> finished.add("next")));
        await().atMost(Duration.ofSeconds(5)).until(() -> finished.contains("next"));
    }
}

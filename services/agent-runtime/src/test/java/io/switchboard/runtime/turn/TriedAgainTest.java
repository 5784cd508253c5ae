package io.switchboard.runtime.turn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.mutiny.Uni;
import io.switchboard.runtime.repository.SessionRepository;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A runner's seq reservation outlasts a passing database failure, and stops at once when the lease is lost. */
class TriedAgainTest {

    @Test
    void aPassingFailureIsTriedAgain() {
        AtomicInteger tries = new AtomicInteger();
        Uni<Void> write = TurnRunner.triedAgain(() -> tries.incrementAndGet() <= 2
                ? Uni.createFrom().failure(new IllegalStateException("connection closed"))
                : Uni.createFrom().voidItem());

        write.await().atMost(Duration.ofSeconds(5));
        assertThat(tries).hasValue(3);
    }

    @Test
    void aLostLeaseIsNotTriedAgain() {
        AtomicInteger tries = new AtomicInteger();
        Uni<Void> write = TurnRunner.triedAgain(() -> {
            tries.incrementAndGet();
            return Uni.createFrom().failure(new SessionRepository.LeaseLost(UUID.randomUUID()));
        });

        assertThatThrownBy(() -> write.await().atMost(Duration.ofSeconds(5)))
                .isInstanceOf(SessionRepository.LeaseLost.class);
        assertThat(tries).hasValue(1);
    }
}

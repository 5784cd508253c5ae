package io.switchboard.evals.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.evals.repository.EvalRepository;
import io.switchboard.evals.suite.SuiteParser;
import io.switchboard.testing.TestOrgs;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A suite whose schedule is due gets one run per tick, started by itself (no caller), and its next tick moves on.
 * (The run's cases need agent-runtime, which does not run here: e2e shows a scheduled run completing.)
 */
@QuarkusTest
class ScheduleTest {
    @Inject
    Pool pool;

    @Inject
    EvalRepository repository;

    @Test
    void aDueSuiteRunsOncePerTickAndItsNextTickMovesOn() {
        TestOrgs.Org org = TestOrgs.create(pool, "scheduled " + UUID.randomUUID());
        JsonNode document = new SuiteParser(10).parse("name: nightly\nagent: " + UUID.randomUUID()
                + "\nschedule: '0 3 * * *'\ncases:\n  - name: c\n    turns: [{user: hi}]\n").document();
        Instant due = Instant.now().minusSeconds(1);
        EvalRepository.Suite suite = repository.saveSuite(org.id(), "nightly", UUID.randomUUID(), document, null, due)
                .await().atMost(Duration.ofSeconds(5)).suite();

        await().atMost(Duration.ofSeconds(20)).until(() -> !runs(suite).isEmpty());
        List<EvalRepository.Run> runs = runs(suite);
        assertThat(runs).hasSize(1);
        assertThat(runs.get(0).trigger()).isEqualTo("schedule");
        assertThat(runs.get(0).agentVersion()).as("the published one, learned from its first case").isNull();
        Instant next = repository.suite(org.id(), suite.id()).await().atMost(Duration.ofSeconds(5)).nextRunAt();
        assertThat(next).isAfter(Instant.now().plusSeconds(60));
        // the next checks find nothing due: still one run
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(runs(suite)).hasSize(1);
    }

    private List<EvalRepository.Run> runs(EvalRepository.Suite suite) {
        return repository.runs(suite.id(), 10).await().atMost(Duration.ofSeconds(5));
    }
}

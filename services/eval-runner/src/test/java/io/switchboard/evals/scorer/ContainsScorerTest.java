package io.switchboard.evals.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ContainsScorerTest {

    @Test
    void matchesIgnoringCaseAndSurroundingSpace() {
        assertThat(ContainsScorer.passes("The time is 12:00.", "  THE TIME ")).isTrue();
    }

    @Test
    void failsWhenTheTextIsMissingOrThereIsNoAnswer() {
        assertThat(ContainsScorer.passes("Hello", "goodbye")).isFalse();
        assertThat(ContainsScorer.passes(null, "x")).isFalse();
    }
}

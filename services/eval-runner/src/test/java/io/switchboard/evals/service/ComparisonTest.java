package io.switchboard.evals.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.switchboard.evals.repository.EvalRepository.CaseResult;
import io.switchboard.evals.repository.EvalRepository.Run;
import io.switchboard.evals.service.Comparison.CaseDiff;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Cases summed over their repetitions, compared by name with a baseline, and what the gate makes of it. */
class ComparisonTest {

    private static CaseResult result(int index, String name, int repetition, String outcome) {
        return new CaseResult(index, repetition, name, UUID.randomUUID(), 1, "sim", outcome, "a",
                outcome.equals("pass") ? null : "why", 100, 10, null, JsonNodeFactory.instance.arrayNode(),
                JsonNodeFactory.instance.arrayNode());
    }

    private static Run run(String status) {
        return new Run(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), status, UUID.randomUUID(), 1, "sim",
                null, 0, 0, 0, 0, "api", "j", null, Instant.now(), Instant.now());
    }

    @Test
    void aCaseScoresItsPassRateAndPassesAtTheThreshold() {
        List<CaseResult> results = List.of(result(0, "flaky", 0, "pass"), result(0, "flaky", 1, "fail"),
                result(1, "unjudged", 0, "error"), result(1, "unjudged", 1, "pass"));
        assertThat(Comparison.summarize(results, 1.0)).extracting(Comparison.CaseSummary::outcome)
                .containsExactly("fail", "error");
        assertThat(Comparison.summarize(results, 0.5)).extracting(Comparison.CaseSummary::score)
                .containsExactly(0.5, 0.5);
        assertThat(Comparison.summarize(results, 0.5)).extracting(Comparison.CaseSummary::outcome)
                .containsExactly("pass", "pass");
    }

    @Test
    void regressionsComeFirstAndDecideTheGate() {
        var before = Comparison.summarize(List.of(result(0, "kept", 0, "pass"), result(1, "broke", 0, "pass"),
                result(2, "fixed", 0, "fail"), result(3, "gone", 0, "pass")), 1.0);
        var now = Comparison.summarize(List.of(result(0, "kept", 0, "pass"), result(1, "broke", 0, "fail"),
                result(2, "fixed", 0, "pass"), result(3, "added", 0, "pass")), 1.0);
        Comparison comparison = Comparison.of(now, UUID.randomUUID(), before);
        assertThat(comparison.cases()).extracting(CaseDiff::name, CaseDiff::change).containsExactly(
                org.assertj.core.groups.Tuple.tuple("broke", "regressed"),
                org.assertj.core.groups.Tuple.tuple("added", "new"),
                org.assertj.core.groups.Tuple.tuple("fixed", "improved"),
                org.assertj.core.groups.Tuple.tuple("kept", "unchanged"),
                org.assertj.core.groups.Tuple.tuple("gone", "removed"));
        assertThat(Reports.verdict(run("completed"), comparison, Reports.Gate.REGRESSIONS)).isEqualTo("failed");

        // a case that failed before and fails now did not regress: only the absolute gate fails on it
        var stillFailing = Comparison.summarize(List.of(result(0, "kept", 0, "pass"), result(2, "fixed", 0, "fail")),
                1.0);
        Comparison same = Comparison.of(stillFailing, UUID.randomUUID(), before);
        assertThat(Reports.verdict(run("completed"), same, Reports.Gate.REGRESSIONS)).isEqualTo("passed");
        assertThat(Reports.verdict(run("completed"), same, Reports.Gate.FAILURES)).isEqualTo("failed");
        assertThat(Reports.verdict(run("interrupted"), same, Reports.Gate.REGRESSIONS)).isEqualTo("unusable");
        assertThat(Reports.text("s", run("completed"), same, Reports.Gate.FAILURES))
                .contains("FAIL  fixed").contains("verdict: failed");
    }
}

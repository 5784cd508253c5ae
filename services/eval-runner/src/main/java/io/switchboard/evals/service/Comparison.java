package io.switchboard.evals.service;

import io.switchboard.evals.repository.EvalRepository.CaseResult;
import io.switchboard.evals.scorer.Check;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A run's cases, each summed over its repetitions, and compared with another run of the suite (its baseline) by
 * case name: {@code regressed} (passed there, fails now), {@code improved}, {@code unchanged}, {@code new} or
 * {@code removed}, with the score, latency and cost deltas. Regressions come first.
 */
public record Comparison(UUID baselineId, List<CaseDiff> cases, int regressed, int improved, int unchanged,
                         int added, int removed) {
    public static final List<String> ORDER = List.of("regressed", "new", "improved", "unchanged", "removed");

    /**
     * A case over its repetitions: its score is the pass rate; it passes when the rate reaches the suite's threshold,
     * else it is an error when nothing in it failed (only could not be checked), else it fails.
     */
    public record CaseSummary(int index, String name, int runs, int passed, int failed, int errored, double score,
                              String outcome, long latencyMs, int tokens, BigDecimal costUsd, String reason,
                              UUID sessionId) {
    }

    public record CaseDiff(String name, String change, CaseSummary now, CaseSummary before, Double scoreDelta,
                           Long latencyDeltaMs, BigDecimal costDeltaUsd) {
    }

    public static List<CaseSummary> summarize(List<CaseResult> results, double threshold) {
        Map<Integer, List<CaseResult>> byCase = new LinkedHashMap<>();
        results.forEach(r -> byCase.computeIfAbsent(r.caseIndex(), i -> new ArrayList<>()).add(r));
        List<CaseSummary> summaries = new ArrayList<>();
        byCase.forEach((index, reps) -> {
            int passed = (int) reps.stream().filter(r -> r.outcome().equals(Check.PASS)).count();
            int failed = (int) reps.stream().filter(r -> r.outcome().equals(Check.FAIL)).count();
            int errored = reps.size() - passed - failed;
            double score = (double) passed / reps.size();
            String outcome = score >= threshold ? Check.PASS : failed == 0 ? Check.ERROR : Check.FAIL;
            long latency = reps.stream().mapToLong(CaseResult::latencyMs).sum() / reps.size();
            int tokens = (int) (reps.stream().mapToLong(CaseResult::tokens).sum() / reps.size());
            BigDecimal cost = reps.stream().anyMatch(r -> r.costUsd() == null) ? null
                    : reps.stream().map(CaseResult::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add)
                            .divide(BigDecimal.valueOf(reps.size()), 9, RoundingMode.HALF_UP).stripTrailingZeros();
            CaseResult shown = reps.stream().filter(r -> !r.outcome().equals(Check.PASS)).findFirst()
                    .orElse(reps.get(0));
            summaries.add(new CaseSummary(index, shown.caseName(), reps.size(), passed, failed, errored, score,
                    outcome, latency, tokens, cost, shown.reason(), shown.sessionId()));
        });
        return summaries;
    }

    public static Comparison of(List<CaseSummary> now, UUID baselineId, List<CaseSummary> before) {
        Map<String, CaseSummary> previous = new LinkedHashMap<>();
        if (before != null) {
            before.forEach(c -> previous.put(c.name(), c));
        }
        List<CaseDiff> diffs = new ArrayList<>();
        for (CaseSummary c : now) {
            CaseSummary was = previous.remove(c.name());
            if (before == null || was == null) {
                diffs.add(new CaseDiff(c.name(), "new", c, null, null, null, null));
                continue;
            }
            boolean passedThen = was.outcome().equals(Check.PASS);
            String change = passedThen && c.outcome().equals(Check.FAIL) ? "regressed"
                    : !passedThen && c.outcome().equals(Check.PASS) ? "improved" : "unchanged";
            diffs.add(new CaseDiff(c.name(), change, c, was, c.score() - was.score(), c.latencyMs() - was.latencyMs(),
                    c.costUsd() == null || was.costUsd() == null ? null : c.costUsd().subtract(was.costUsd())));
        }
        previous.values().forEach(was -> diffs.add(new CaseDiff(was.name(), "removed", null, was, null, null, null)));
        diffs.sort(Comparator.comparingInt(d -> ORDER.indexOf(d.change())));
        return new Comparison(baselineId, diffs, count(diffs, "regressed"), count(diffs, "improved"),
                count(diffs, "unchanged"), count(diffs, "new"), count(diffs, "removed"));
    }

    private static int count(List<CaseDiff> diffs, String change) {
        return (int) diffs.stream().filter(d -> d.change().equals(change)).count();
    }
}

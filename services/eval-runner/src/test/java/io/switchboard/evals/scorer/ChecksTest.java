package io.switchboard.evals.scorer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.evals.suite.Expectation;
import io.switchboard.evals.suite.SuiteParser;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each kind of expectation against what a turn showed: the pass and the fail of each. */
class ChecksTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Observed turn(String answer, List<Observed.ToolUse> tools) {
        return new Observed(answer, "completed", null, null, tools, 120, 40, new BigDecimal("0.002"));
    }

    private static Observed.ToolUse call(String name, String args) throws Exception {
        return new Observed.ToolUse(name, JSON.readTree(args), "ok", false);
    }

    /** The first expectation of a one-turn suite whose turn expects {@code expectation}. */
    private static Expectation expect(String expectation) {
        return new SuiteParser(10).parse("name: s\nagent: a\ncases:\n  - name: c\n    turns:\n      - user: hi\n"
                + "        expect:\n          - " + expectation).spec().cases().get(0).turns().get(0).expect().get(0);
    }

    private static String outcome(String expectation, Observed seen) {
        return Checks.check(expect(expectation), seen).outcome();
    }

    @Test
    void answers() {
        Observed seen = turn("The tool says: 12:00. ```json\n{\"a\": 1}\n```", List.of());
        assertThat(outcome("contains: the TOOL says", seen)).isEqualTo("pass");
        assertThat(outcome("contains: nothing like it", seen)).isEqualTo("fail");
        assertThat(outcome("not_contains: sorry", seen)).isEqualTo("pass");
        assertThat(outcome("not_contains: tool", seen)).isEqualTo("fail");
        assertThat(outcome("regex: '\\d\\d:\\d\\d'", seen)).isEqualTo("pass");
        assertThat(outcome("regex: '^\\d'", seen)).isEqualTo("fail");
        // a pattern that backtracks without end is stopped after a second: error, not a stuck thread
        long start = System.nanoTime();
        assertThat(outcome("regex: '(.*a){31}'", turn("a".repeat(30) + "!", List.of()))).isEqualTo("error");
        assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
        assertThat(outcome("equals: ' exact '", turn("exact", List.of()))).isEqualTo("pass");
        assertThat(outcome("equals: exact", seen)).isEqualTo("fail");
        assertThat(outcome("json_schema: {type: object, required: [a]}", seen)).isEqualTo("pass");
        assertThat(outcome("json_schema: {type: object, required: [b]}", seen)).isEqualTo("fail");
        assertThat(outcome("json_schema: {type: object}", turn("not json", List.of()))).isEqualTo("fail");
    }

    @Test
    void trajectories() throws Exception {
        Observed seen = turn("done", List.of(call("clock", "{}"), call("http_request", "{\"url\":\"x\"}"),
                call("calculator", "{\"expression\":\"1+1\",\"precision\":2}")));
        assertThat(outcome("tool_called: clock", seen)).isEqualTo("pass");
        assertThat(outcome("tool_called: {name: calculator, args: {precision: 2.0}}", seen)).isEqualTo("pass");
        assertThat(outcome("tool_called: {name: calculator, args: {expression: '2+2'}}", seen)).isEqualTo("fail");
        assertThat(outcome("tool_not_called: http_request", seen)).isEqualTo("fail");
        assertThat(outcome("tool_not_called: {name: http_request, args: {url: y}}", seen)).isEqualTo("pass");
        assertThat(outcome("tool_sequence: [clock, calculator]", seen)).isEqualTo("pass");
        assertThat(outcome("tool_sequence: [calculator, clock]", seen)).isEqualTo("fail");
    }

    @Test
    void limitsAndStatus() {
        Observed seen = turn("x", List.of());
        assertThat(outcome("max_latency_ms: 120", seen)).isEqualTo("pass");
        assertThat(outcome("max_latency_ms: 119", seen)).isEqualTo("fail");
        assertThat(outcome("max_tokens: 40", seen)).isEqualTo("pass");
        assertThat(outcome("max_tokens: 39", seen)).isEqualTo("fail");
        assertThat(outcome("max_cost_usd: 0.002", seen)).isEqualTo("pass");
        assertThat(outcome("max_cost_usd: 0.001", seen)).isEqualTo("fail");
        assertThat(outcome("max_cost_usd: 1", new Observed("x", "completed", null, null, List.of(), 1, 1, null)))
                .isEqualTo("error");
        assertThat(outcome("status: completed", seen)).isEqualTo("pass");
        Observed failed = new Observed(null, "failed", "tool_loop_limit", "r", List.of(), 1, 0, BigDecimal.ZERO);
        assertThat(outcome("status: completed", failed)).isEqualTo("fail");
        assertThat(outcome("status: failed", failed)).isEqualTo("pass");
        assertThat(outcome("status: tool_loop_limit", failed)).isEqualTo("pass");
        assertThat(outcome("status: rate_limited", failed)).isEqualTo("fail");
    }

    @Test
    void aJudgeAnswerIsReadOrIsAnError() {
        Expectation.Judge judge = (Expectation.Judge) expect("judge: {rubric: polite, min_score: 0.6}");
        assertThat(Judge.read(judge, "{\"score\": 0.8, \"reason\": \"kind\"}")).extracting(Check::outcome,
                Check::score, Check::reason).containsExactly("pass", 0.8, "kind");
        assertThat(Judge.read(judge, "Sure! {\"score\": 0.5, \"reason\": \"meh\"}").outcome()).isEqualTo("fail");
        assertThat(Judge.read(judge, "I would rather not say.").outcome()).isEqualTo("error");
        assertThat(Judge.read(judge, "{\"score\": 7}").outcome()).isEqualTo("error");
    }
}

package io.switchboard.evals.suite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuiteParserTest {
    private final SuiteParser parser = new SuiteParser(200);

    private static final String CLOCK = """
            name: clock-agent
            agent: clock-agent            # an agent's name or id
            repeat: 2
            cases:
              - name: tells the time with its tool
                turns:
                  - user: What time is it?
                    expect:
                      - tool_called: clock
                      - contains: "The tool says"
                  - user: And again?
                    expect:
                      - tool_sequence: [clock, {name: calculator, args: {expression: "1+1"}}]
                      - not_contains: sorry
                      - regex: "\\\\d+"
                      - equals: exact
                      - json_schema: {type: object, required: [a]}
                      - max_latency_ms: 5000
                      - max_cost_usd: 0.01
                      - max_tokens: 500
                      - status: tool_loop_limit
                      - tool_not_called: {name: http_request}
              - name: stays polite
                simulated_user:
                  persona: a hurried manager
                  goal: Say "hello" then "bye"
                expect:
                  - judge: {rubric: 'The answer says "bye"', min_score: 0.5}
            """;

    @Test
    void readsEveryPartOfASuite() {
        SuiteSpec spec = parser.parse(CLOCK).spec();
        assertThat(spec.name()).isEqualTo("clock-agent");
        assertThat(spec.repeat()).isEqualTo(2);
        assertThat(spec.judgeModel()).isEqualTo("judge");
        assertThat(spec.cases()).hasSize(2);
        List<Expectation> second = spec.cases().get(0).turns().get(1).expect();
        assertThat(second).extracting(Expectation::kind).containsExactly("tool_sequence", "not_contains", "regex",
                "equals", "json_schema", "max_latency_ms", "max_cost_usd", "max_tokens", "status", "tool_not_called");
        assertThat(((Expectation.Status) second.get(8)).code()).isEqualTo("tool_loop_limit");
        assertThat(second.get(0).line()).isEqualTo(13);
        SuiteSpec.CaseSpec simulated = spec.cases().get(1);
        assertThat(simulated.simulatedUser().goal()).isEqualTo("Say \"hello\" then \"bye\"");
        assertThat(simulated.simulatedUser().maxTurns()).isEqualTo(5);
        assertThat(((Expectation.Judge) simulated.expect().get(0)).minScore()).isEqualTo(0.5);
    }

    @Test
    void jsonIsTheSameDocument() {
        SuiteSpec spec = parser.parse("{\"name\":\"s\",\"agent\":\"a\",\"cases\":[{\"name\":\"c\",\"turns\":"
                + "[{\"user\":\"hi\",\"expect\":[{\"contains\":\"hi\"}]}]}]}").spec();
        assertThat(spec.cases().get(0).turns().get(0).expect().get(0).kind()).isEqualTo("contains");
        // and what is stored reads back the same
        assertThat(parser.parse(parser.parse(CLOCK).document().toString()).spec().cases().get(0).turns().get(1)
                .expect()).hasSize(10);
    }

    @Test
    void anUnknownExpectationIsRefusedWithItsLineAndField() {
        assertThatThrownBy(() -> parser.parse(CLOCK.replace("- contains: \"The tool says\"",
                "- containz: \"The tool says\"")))
                .isInstanceOf(SuiteParser.Invalid.class)
                .hasMessageStartingWith("line 10, cases[0].turns[0].expect[1].containz: unknown expectation 'containz'");
    }

    @Test
    void badDocumentsSayWhereAndWhat() {
        assertInvalid("name: x\nagent: a\ncases: [", 3, "not valid YAML");
        assertInvalid("agent: a\ncases: []", 1, "name: is required");
        assertInvalid("name: x\nagent: a\ncases: []", 3, "cases: a suite needs at least one case");
        assertInvalid("name: x\nagent: a\nrepeat: many\ncases: []", 3, "repeat: expected a whole number");
        assertInvalid("name: x\nagent: a\ncolour: red\ncases: []", 3, "colour: unknown field 'colour'");
        assertInvalid("name: x\nagent: a\ncases:\n  - name: c\n    turns:\n      - user: hi\n        expect:\n"
                + "          - regex: \"(\"", 8, "regex: not a regular expression");
        assertInvalid("name: x\nagent: a\ncases:\n  - name: c\n    turns:\n      - user: hi\n        expect:\n"
                + "          - contains: a\n            regex: b", 8, "an expectation is one of");
        assertInvalid("name: x\nagent: a\ncases:\n  - name: c\n    turns: [{user: a}]\n  - name: c\n"
                + "    turns: [{user: b}]", 6, "another case is named \"c\"");
        assertInvalid("name: x\nagent: a\ncases:\n  - name: c\n    turns: [{user: a}]\n    simulated_user: {goal: g}",
                4, "either turns");
        assertInvalid("name: x\nagent: a\ncases:\n  - name: c\n    turns: [{user: a, expect: [{max_cost_usd: -1}]}]",
                5, "must not be negative");
        assertInvalid("name: x\nagent: a\ncases:\n  - name: c\n    turns: [{user: a, expect: [{judge: {rubric: r,"
                + " min_score: 2}}]}]", 5, "min_score: must be between 0 and 1");
        assertInvalid("name: \"a\\0b\"\nagent: a\ncases: []", 1, "NUL");
        // an alias is the same node again: a few lines could expand without end
        assertInvalid("name: &n x\nagent: *n\ncases: []", 1, "anchors and aliases");
        assertInvalid("name: x\nagent: a\ncases:\n  - &c {name: c, turns: [{user: hi, expect: [{json_schema: "
                + "{properties: {a: *c}}}]}]}", 4, "anchors and aliases");
    }

    @Test
    void aScheduleIsCronInATimeZone() {
        String cases = "cases:\n  - name: c\n    turns: [{user: hi}]\n";
        SuiteSpec.Schedule nightly = parser.parse("name: s\nagent: a\nschedule: '30 3 * * *'\ntimezone: Europe/Berlin\n"
                + cases).spec().schedule();
        assertThat(nightly.next(java.time.Instant.parse("2026-12-03T10:00:00Z")))
                .isEqualTo(java.time.Instant.parse("2026-12-04T02:30:00Z"));
        SuiteSpec.Schedule everyFiveSeconds = parser.parse("name: s\nagent: a\nschedule: '*/5 * * * * *'\n" + cases)
                .spec().schedule();
        assertThat(everyFiveSeconds.next(java.time.Instant.parse("2026-12-03T10:00:01Z")))
                .isEqualTo(java.time.Instant.parse("2026-12-03T10:00:05Z"));
        assertThat(parser.parse("name: s\nagent: a\n" + cases).spec().schedule()).isNull();
        assertInvalid("name: s\nagent: a\nschedule: '61 * * * *'\n" + cases, 3, "schedule: not a cron expression");
        assertInvalid("name: s\nagent: a\nschedule: daily\n" + cases, 3, "schedule: cron has five fields");
        assertInvalid("name: s\nagent: a\nschedule: '0 3 * * *'\ntimezone: Mars/Olympus\n" + cases, 4,
                "timezone: not a time zone");
        assertInvalid("name: s\nagent: a\ntimezone: UTC\n" + cases, 3, "a time zone goes with a schedule");
    }

    private void assertInvalid(String document, int line, String says) {
        assertThatThrownBy(() -> parser.parse(document)).isInstanceOf(SuiteParser.Invalid.class)
                .hasMessageContaining(says)
                .satisfies(e -> assertThat(((SuiteParser.Invalid) e).line()).isEqualTo(line));
    }
}

package io.switchboard.evals.scorer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import io.switchboard.evals.scorer.Observed.ToolUse;
import io.switchboard.evals.suite.Expectation;
import io.switchboard.evals.suite.Expectation.ToolMatch;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Checks every kind of expectation but {@code judge} (which asks a model: {@link Judge}). Pure functions. */
public final class Checks {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FENCED = Pattern.compile("```(?:json)?\\s*\\n(.*?)\\n\\s*```", Pattern.DOTALL);
    /** Numbers compare by value (an argument 2 is 2.0), everything else as JSON. */
    private static final Comparator<JsonNode> BY_VALUE = (a, b) -> a.isNumber() && b.isNumber()
            ? a.decimalValue().compareTo(b.decimalValue()) : a.equals(b) ? 0 : 1;

    private static final long REGEX_TIME = 1_000_000_000L;

    private Checks() {
    }

    /**
     * The answer for a regular expression, read against a deadline: a pattern that backtracks without end (such as
     * {@code (a+)+$}) stops when it passes, instead of holding its thread.
     */
    private record Deadline(CharSequence text, long until) implements CharSequence {
        static final class Passed extends RuntimeException {
            Passed() {
                super(null, null, false, false);
            }
        }

        public char charAt(int index) {
            if (System.nanoTime() > until) {
                throw new Passed();
            }
            return text.charAt(index);
        }

        public int length() {
            return text.length();
        }

        public CharSequence subSequence(int start, int end) {
            return new Deadline(text.subSequence(start, end), until);
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }

    public static Check check(Expectation expectation, Observed seen) {
        String what = expectation.text();
        int line = expectation.line();
        String answer = seen.answer() == null ? "" : seen.answer();
        if (expectation instanceof Expectation.Contains c) {
            boolean found = answer.toLowerCase(Locale.ROOT).contains(c.value().toLowerCase(Locale.ROOT));
            return found != c.negated() ? Check.pass(what, line, null)
                    : Check.fail(what, line, c.negated() ? "the answer contains \"" + c.value() + "\""
                            : "the answer does not contain \"" + c.value() + "\"");
        }
        if (expectation instanceof Expectation.Equals e) {
            return answer.strip().equals(e.value().strip()) ? Check.pass(what, line, null)
                    : Check.fail(what, line, "the answer is \"" + cut(answer) + "\"");
        }
        if (expectation instanceof Expectation.Regex r) {
            try {
                return r.pattern().matcher(new Deadline(answer, System.nanoTime() + REGEX_TIME)).find()
                        ? Check.pass(what, line, null)
                        : Check.fail(what, line, "no part of the answer matches /" + r.pattern().pattern() + "/");
            } catch (Deadline.Passed e) {
                return Check.error(what, line, "the regular expression took longer than 1 s on the answer");
            }
        }
        if (expectation instanceof Expectation.JsonSchema s) {
            return jsonSchema(s, answer);
        }
        if (expectation instanceof Expectation.ToolCalled t) {
            ToolUse call = seen.tools().stream().filter(use -> matches(t.tool(), use)).findFirst().orElse(null);
            if (t.negated()) {
                return call == null ? Check.pass(what, line, null)
                        : Check.fail(what, line, "called " + call.name() + " with " + call.args());
            }
            return call != null ? Check.pass(what, line, null)
                    : Check.fail(what, line, "not called; calls: " + calls(seen.tools()));
        }
        if (expectation instanceof Expectation.ToolSequence s) {
            return sequence(s, seen.tools());
        }
        if (expectation instanceof Expectation.MaxLatency m) {
            return seen.latencyMs() <= m.millis() ? Check.pass(what, line, seen.latencyMs() + " ms")
                    : Check.fail(what, line, "took " + seen.latencyMs() + " ms");
        }
        if (expectation instanceof Expectation.MaxTokens m) {
            return seen.tokens() <= m.tokens() ? Check.pass(what, line, seen.tokens() + " tokens")
                    : Check.fail(what, line, "used " + seen.tokens() + " tokens");
        }
        if (expectation instanceof Expectation.MaxCost m) {
            if (seen.costUsd() == null) {
                return Check.error(what, line, "the cost is not known: a model it called has no price");
            }
            String cost = "$" + seen.costUsd().toPlainString();
            return seen.costUsd().compareTo(m.usd()) <= 0 ? Check.pass(what, line, cost)
                    : Check.fail(what, line, "cost " + cost);
        }
        if (expectation instanceof Expectation.Status s) {
            boolean ok = s.status().equals(seen.status()) && (s.code() == null || s.code().equals(seen.code()));
            return ok ? Check.pass(what, line, null) : Check.fail(what, line, "the turn " + seen.status()
                    + (seen.code() == null ? "" : " (" + seen.code() + ")"));
        }
        throw new IllegalArgumentException(expectation.kind() + " is not checked here");
    }

    private static Check sequence(Expectation.ToolSequence s, List<ToolUse> tools) {
        Iterator<ToolUse> calls = tools.iterator();
        int found = 0;
        for (ToolMatch wanted : s.tools()) {
            boolean seenIt = false;
            while (!seenIt && calls.hasNext()) {
                seenIt = matches(wanted, calls.next());
            }
            if (!seenIt) {
                break;
            }
            found++;
        }
        return found == s.tools().size() ? Check.pass(s.text(), s.line(), null)
                : Check.fail(s.text(), s.line(), "calls in order were " + calls(tools) + "; "
                        + s.tools().get(found).name() + " is missing after the first " + found);
    }

    /** Whether a call is the tool wanted, with each of the wanted arguments equal. */
    static boolean matches(ToolMatch wanted, ToolUse call) {
        if (!wanted.name().equals(call.name())) {
            return false;
        }
        if (wanted.args() == null) {
            return true;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = wanted.args().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> arg = it.next();
            JsonNode actual = call.args() == null ? null : call.args().get(arg.getKey());
            if (actual == null || !arg.getValue().equals(BY_VALUE, actual)) {
                return false;
            }
        }
        return true;
    }

    private static Check jsonSchema(Expectation.JsonSchema s, String answer) {
        String json = answer.strip();
        Matcher fenced = FENCED.matcher(json);
        if (fenced.find()) {
            json = fenced.group(1);
        }
        try {
            JSON.readTree(json);
        } catch (Exception e) {
            return Check.fail(s.text(), s.line(), "the answer is not JSON");
        }
        List<Error> errors = s.schema().validate(json, InputFormat.JSON);
        return errors.isEmpty() ? Check.pass(s.text(), s.line(), null) : Check.fail(s.text(), s.line(),
                errors.stream().map(Error::toString).collect(Collectors.joining("; ")));
    }

    private static String calls(List<ToolUse> tools) {
        return tools.isEmpty() ? "none" : tools.stream().map(ToolUse::name).collect(Collectors.joining(", "));
    }

    private static String cut(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }
}

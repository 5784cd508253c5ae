package io.switchboard.evals.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One thing a turn (or a whole case) must show. {@link #text()} is how the suite wrote it, for reports; {@link #line()}
 * where (1-based; 0 when unknown).
 */
public sealed interface Expectation {

    String kind();

    String text();

    int line();

    /** The answer contains {@code value} (or, {@code negated}, does not), ignoring case. */
    record Contains(String value, boolean negated, String text, int line) implements Expectation {
        public String kind() {
            return negated ? "not_contains" : "contains";
        }
    }

    /** Part of the answer matches the regular expression. */
    record Regex(Pattern pattern, String text, int line) implements Expectation {
        public String kind() {
            return "regex";
        }
    }

    /** The answer is exactly this, but for whitespace around it. */
    record Equals(String value, String text, int line) implements Expectation {
        public String kind() {
            return "equals";
        }
    }

    /** The answer is JSON (alone, or in a fenced block) that fits the schema. */
    record JsonSchema(Schema schema, String text, int line) implements Expectation {
        public String kind() {
            return "json_schema";
        }
    }

    /** A tool call: its name, and arguments it must have (each given one equal; others may be there too). */
    record ToolMatch(String name, JsonNode args) {
    }

    /** The tool was called ({@code negated}: was not), with matching arguments when given. */
    record ToolCalled(ToolMatch tool, boolean negated, String text, int line) implements Expectation {
        public String kind() {
            return negated ? "tool_not_called" : "tool_called";
        }
    }

    /** These calls were made in this order; other calls may come between them. */
    record ToolSequence(List<ToolMatch> tools, String text, int line) implements Expectation {
        public String kind() {
            return "tool_sequence";
        }
    }

    record MaxLatency(long millis, String text, int line) implements Expectation {
        public String kind() {
            return "max_latency_ms";
        }
    }

    record MaxCost(BigDecimal usd, String text, int line) implements Expectation {
        public String kind() {
            return "max_cost_usd";
        }
    }

    /** Input and output tokens together. */
    record MaxTokens(long tokens, String text, int line) implements Expectation {
        public String kind() {
            return "max_tokens";
        }
    }

    /** {@code completed}, or {@code failed} with any code (null) or with this one. */
    record Status(String status, String code, String text, int line) implements Expectation {
        public String kind() {
            return "status";
        }
    }

    /** A model (the suite's judge) scores the answer against the rubric; {@code minScore} or more passes. */
    record Judge(String rubric, double minScore, String model, String text, int line) implements Expectation {
        public String kind() {
            return "judge";
        }
    }
}

package io.switchboard.evals.scorer;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * What a turn showed, or a whole case (its last answer and status, all its tool calls, its time, tokens and cost
 * added up). {@code status} is {@code completed} or {@code failed} (with {@code code}); {@code costUsd} is null when
 * some model call had no price.
 */
public record Observed(String answer, String status, String code, String reason, List<ToolUse> tools,
                       long latencyMs, long tokens, BigDecimal costUsd) {

    /** A tool call the turn made: its name, arguments, and what it gave back. */
    public record ToolUse(String name, JsonNode args, String result, boolean error) {
    }

    /** The case as a whole: the turns one after another. */
    public static Observed whole(List<Observed> turns) {
        Observed last = turns.get(turns.size() - 1);
        List<ToolUse> tools = new ArrayList<>();
        long latency = 0;
        long tokens = 0;
        BigDecimal cost = BigDecimal.ZERO;
        for (Observed turn : turns) {
            tools.addAll(turn.tools());
            latency += turn.latencyMs();
            tokens += turn.tokens();
            cost = cost == null || turn.costUsd() == null ? null : cost.add(turn.costUsd());
        }
        return new Observed(last.answer(), last.status(), last.code(), last.reason(), List.copyOf(tools), latency,
                tokens, cost);
    }
}

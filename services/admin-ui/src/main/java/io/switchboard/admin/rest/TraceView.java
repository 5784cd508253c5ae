package io.switchboard.admin.rest;

import io.switchboard.admin.client.RuntimeClient.SessionTrace;
import io.switchboard.admin.client.RuntimeClient.TraceNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A session's trace as the debugger draws it: one row per span, indented by depth, with its bar on the timing waterfall
 * of its turn (the turn's start at 0 %, its end, or now while it runs, at 100 %) and a one-line summary.
 */
public final class TraceView {
    private TraceView() {
    }

    /**
     * A row: {@code kind} is {@code turn}, {@code model_call}, {@code tool_call} or {@code session} (a sub-agent's);
     * {@code requestId} is the model call's, to open it.
     */
    public record Row(int depth, String kind, String name, String status, String duration, double offsetPct,
                      double widthPct, String summary, String requestId, String sessionId) {
    }

    public static List<Row> rows(SessionTrace trace, Instant now) {
        List<Row> rows = new ArrayList<>();
        for (TraceNode turn : trace.turns()) {
            Instant start = turn.startedAt();
            Instant end = turn.endedAt() != null ? turn.endedAt() : now;
            add(rows, turn, 0, start, Math.max(1, Duration.between(start, end).toMillis()), now);
        }
        return rows;
    }

    private static void add(List<Row> rows, TraceNode node, int depth, Instant scaleStart, long scaleMs, Instant now) {
        // a turn whose runner stopped without ending it (interrupted) is drawn at its start
        Instant end = node.endedAt() != null ? node.endedAt() : "running".equals(node.status()) ? now
                : node.startedAt();
        double offset = clamp(100.0 * Duration.between(scaleStart, node.startedAt()).toMillis() / scaleMs);
        double width = Math.max(0.5, Math.min(100 - offset,
                100.0 * Duration.between(node.startedAt(), end).toMillis() / scaleMs));
        Map<String, Object> a = node.attributes() == null ? Map.of() : node.attributes();
        rows.add(new Row(depth, node.kind(), node.name(), node.status(),
                node.durationMs() != null ? node.durationMs() + " ms"
                        : "running".equals(node.status()) ? "running" : "",
                round(offset), round(width),
                summary(node.kind(), a, node.errorType()),
                "model_call".equals(node.kind()) ? text(a.get("switchboard.request.id")) : null, null));
        for (TraceNode child : node.children()) {
            add(rows, child, depth + 1, scaleStart, scaleMs, now);
        }
        if (node.subSession() != null) {
            rows.add(new Row(depth + 1, "session", "sub-agent session: " + node.subSession().agentName(), "", "", 0,
                    0, "", null, String.valueOf(node.subSession().sessionId())));
            for (TraceNode turn : node.subSession().turns()) {
                add(rows, turn, depth + 2, scaleStart, scaleMs, now);
            }
        }
    }

    /** What a span did, in a line: a model call's model, tokens, cost and timing; a tool call's input and output. */
    static String summary(String kind, Map<String, Object> a, String error) {
        StringBuilder out = new StringBuilder();
        if ("model_call".equals(kind)) {
            out.append(text(a.getOrDefault("gen_ai.response.model", a.get("gen_ai.request.model"))));
            if (a.get("switchboard.deployment") != null) {
                out.append(" on ").append(a.get("switchboard.deployment"));
            }
            out.append(" · ").append(number(a.get("gen_ai.usage.input_tokens"))).append(" → ")
                    .append(number(a.get("gen_ai.usage.output_tokens"))).append(" tokens");
            if (a.get("switchboard.cost_usd") instanceof Number cost) {
                out.append(" · $").append(String.format(Locale.ROOT, "%.6f", cost.doubleValue()));
            }
            if (a.get("gen_ai.response.time_to_first_chunk") instanceof Number ttft) {
                out.append(" · first chunk ").append(Math.round(ttft.doubleValue() * 1000)).append(" ms");
            }
            Object attempts = a.get("switchboard.attempts");
            if (attempts instanceof Number n && n.intValue() > 1) {
                out.append(" · ").append(n.intValue()).append(" attempts");
            }
            if (a.get("switchboard.deployments_tried") instanceof List<?> tried && tried.size() > 1) {
                out.append(" (").append(String.join(" → ", tried.stream().map(String::valueOf).toList())).append(')');
            }
        } else if ("tool_call".equals(kind)) {
            out.append(cut(text(a.get("gen_ai.tool.call.arguments")), 120));
            if (a.get("gen_ai.tool.call.result") != null) {
                out.append(" → ").append(cut(text(a.get("gen_ai.tool.call.result")), 200));
            }
        } else if ("turn".equals(kind) && a.get("switchboard.turn.attempt") instanceof Number n && n.intValue() > 1) {
            out.append("attempt ").append(n.intValue());
        }
        if (error != null) {
            out.append(out.isEmpty() ? "" : " · ").append("error: ").append(error);
        }
        return out.toString();
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }

    private static String number(Object value) {
        return value instanceof Number n ? String.valueOf(n.longValue()) : "?";
    }

    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max) + "…";
    }

    private static double clamp(double pct) {
        return Math.max(0, Math.min(100, pct));
    }

    private static double round(double pct) {
        return Math.round(pct * 10) / 10.0;
    }
}

package io.switchboard.runtime.service;

import io.switchboard.runtime.repository.SpanRepository.StoredSpan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A session's trace as a tree: its turns ({@code invoke_agent}), under each its model calls ({@code chat}, from
 * llm-gateway) and tool calls ({@code execute_tool}), under a sub-agent's tool call that agent's session. Pure: the
 * spans come in, the tree goes out.
 */
public final class TraceTree {
    private TraceTree() {
    }

    /** The sub-agent session a tool call opened (on the tool call's span). */
    public static final String SUB_SESSION = "switchboard.sub_session.id";

    /**
     * One span: {@code kind} is {@code turn}, {@code model_call}, {@code tool_call} (or the span's operation);
     * {@code durationMs} null while it runs; {@code subSession} the trace of the sub-agent session a tool call asked.
     */
    public record Node(String spanId, String kind, String name, String service, Instant startedAt, Instant endedAt,
                       Long durationMs, String status, String errorType, Map<String, Object> attributes,
                       List<Node> children, SessionTrace subSession) {
        public Node withSubSession(SessionTrace trace) {
            return new Node(spanId, kind, name, service, startedAt, endedAt, durationMs, status, errorType, attributes,
                    children, trace);
        }

        public Node withChildren(List<Node> nodes) {
            return new Node(spanId, kind, name, service, startedAt, endedAt, durationMs, status, errorType, attributes,
                    nodes, subSession);
        }
    }

    /** A session's trace: its turns, oldest first, each with what it did. */
    public record SessionTrace(UUID sessionId, String traceId, String agentName, List<Node> turns) {
    }

    /**
     * The spans as trees, each span under its parent; a span whose parent is not stored (the session itself, or a
     * span the store dropped) is a root. Siblings are in the order they started.
     */
    public static List<Node> build(List<StoredSpan> spans) {
        Map<String, List<StoredSpan>> children = new HashMap<>();
        Set<String> present = new HashSet<>();
        spans.forEach(span -> present.add(span.spanId()));
        List<StoredSpan> roots = new ArrayList<>();
        for (StoredSpan span : spans) {
            if (span.parentSpanId() != null && present.contains(span.parentSpanId())
                    && !span.parentSpanId().equals(span.spanId())) {
                children.computeIfAbsent(span.parentSpanId(), id -> new ArrayList<>()).add(span);
            } else {
                roots.add(span);
            }
        }
        return nodes(roots, children, 0);
    }

    private static List<Node> nodes(List<StoredSpan> spans, Map<String, List<StoredSpan>> children, int depth) {
        List<Node> out = new ArrayList<>(spans.size());
        spans.stream().sorted(Comparator.comparing(StoredSpan::startedAt)).forEach(span -> out.add(new Node(
                span.spanId(), kind(span.operation()), span.name(), span.service(), span.startedAt(), span.endedAt(),
                span.endedAt() == null ? null : Duration.between(span.startedAt(), span.endedAt()).toMillis(),
                span.status(), span.errorType(), span.attributes(),
                depth > 64 ? List.of() : nodes(children.getOrDefault(span.spanId(), List.of()), children, depth + 1),
                null)));
        return out;
    }

    static String kind(String operation) {
        return switch (operation) {
            case "invoke_agent" -> "turn";
            case "chat" -> "model_call";
            case "execute_tool" -> "tool_call";
            default -> operation;
        };
    }

    /**
     * Adds each tool call's arguments and result from the journal ({@code gen_ai.tool.call.arguments},
     * {@code gen_ai.tool.call.result}; keyed by {@code <turn id>/<call id>}) to its span's attributes, where the span
     * did not capture them.
     */
    public static void addToolContent(List<StoredSpan> spans, Map<String, String> arguments,
                                      Map<String, String> results) {
        for (StoredSpan span : spans) {
            Object turn = span.attributes().get("switchboard.turn.id");
            Object id = span.attributes().get("gen_ai.tool.call.id");
            if (!"execute_tool".equals(span.operation()) || turn == null || id == null) {
                continue;
            }
            String key = turn + "/" + id;
            Map<String, Object> attributes = span.attributes(); // the repository's own, mutable
            if (arguments.containsKey(key)) {
                attributes.putIfAbsent("gen_ai.tool.call.arguments", arguments.get(key));
            }
            if (results.containsKey(key)) {
                attributes.putIfAbsent("gen_ai.tool.call.result", results.get(key));
            }
        }
    }
}

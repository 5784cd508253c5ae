package io.switchboard.runtime.service;

import io.switchboard.runtime.repository.SpanRepository.StoredSpan;
import io.switchboard.runtime.repository.Turn;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
     * The spans, with a node for each turn whose own span is not stored (spans are stored when they end): a turn
     * running now ({@code running}, holding the model and tool calls it has ended so far), or an attempt whose runner
     * stopped before it ended ({@code interrupted}, holding what that attempt did).
     */
    public static List<StoredSpan> withUnendedTurns(List<StoredSpan> spans, List<Turn> turns) {
        Set<String> present = new HashSet<>();
        Set<String> turnsWithSpan = new HashSet<>();
        spans.forEach(span -> {
            present.add(span.spanId());
            if ("invoke_agent".equals(span.operation())) {
                turnsWithSpan.add(String.valueOf(span.attributes().get(TURN)) + "#"
                        + span.attributes().get("switchboard.turn.attempt"));
            }
        });
        Map<String, Turn> byId = new HashMap<>();
        turns.forEach(turn -> byId.put(turn.id().toString(), turn));
        // what ended under a turn's span that is not stored: by that span
        Map<String, List<StoredSpan>> orphans = new LinkedHashMap<>();
        for (StoredSpan span : spans) {
            if (!"invoke_agent".equals(span.operation()) && span.parentSpanId() != null
                    && !present.contains(span.parentSpanId())
                    && byId.containsKey(String.valueOf(span.attributes().get(TURN)))) {
                orphans.computeIfAbsent(span.parentSpanId(), id -> new ArrayList<>()).add(span);
            }
        }
        List<StoredSpan> out = new ArrayList<>(spans);
        Set<String> drawn = new HashSet<>();
        orphans.forEach((parent, children) -> {
            Turn turn = byId.get(String.valueOf(children.get(0).attributes().get(TURN)));
            boolean running = UNFINISHED.contains(turn.status())
                    && !turnsWithSpan.contains(turn.id() + "#" + turn.attempts());
            out.add(unended(parent, turn, children.get(0).startedAt(), running));
            drawn.add(turn.id().toString());
        });
        for (Turn turn : turns) {
            if (Turn.RUNNING.equals(turn.status()) && !drawn.contains(turn.id().toString())
                    && !turnsWithSpan.contains(turn.id() + "#" + turn.attempts())) {
                out.add(unended("turn-" + turn.id(), turn, turn.createdAt(), true));
            }
        }
        out.sort(Comparator.comparing(StoredSpan::startedAt));
        return out;
    }

    private static StoredSpan unended(String spanId, Turn turn, Instant startedAt, boolean running) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put(TURN, turn.id().toString());
        attributes.put("switchboard.turn.attempt", turn.attempts());
        return new StoredSpan(spanId, null, "agent-runtime", "invoke_agent", "invoke_agent", startedAt, null,
                running ? "running" : "interrupted", running ? null : "interrupted", attributes);
    }

    private static final String TURN = "switchboard.turn.id";
    private static final Set<String> UNFINISHED = Set.of(Turn.PENDING, Turn.RUNNING, Turn.WAITING);

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

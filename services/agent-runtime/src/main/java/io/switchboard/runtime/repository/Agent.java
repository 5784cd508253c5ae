package io.switchboard.runtime.repository;

import io.switchboard.contracts.llm.GenerationSettings;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One version of an agent ({@code runtime.agent_versions}), with where the agent stands: the version new sessions
 * get ({@code publishedVersion}) and the newest one ({@code latestVersion}). {@code generation} is how its model calls
 * generate (temperature, output limit, tool choice...; never null). {@code publishGate}: the eval suites (by name) that
 * must pass against this version before it is published. {@code captureContent}: its spans carry what its model and
 * tool calls were sent and answered.
 */
public record Agent(UUID id, UUID orgId, int version, String name, String model, String systemPrompt, List<String> tools,
                    List<String> httpAllowedHosts, Limits limits, String onBusy, List<String> approvalRequired,
                    ContextPolicy context, List<UUID> subAgents, GenerationSettings generation,
                    List<String> publishGate, boolean captureContent, Instant createdAt,
                    int publishedVersion, int latestVersion) {

    /** A message that arrives while a turn runs waits for it ({@code queue}). */
    public static final String QUEUE = "queue";
    /** ... is refused (409). */
    public static final String REJECT = "reject";
    /** ... cancels the running turn and runs next. */
    public static final String INTERRUPT = "interrupt";
    public static final List<String> ON_BUSY = List.of(QUEUE, REJECT, INTERRUPT);

    public static final String DROP_OLDEST = "drop_oldest";
    public static final String SUMMARIZE = "summarize";
    public static final List<String> STRATEGIES = List.of(DROP_OLDEST, SUMMARIZE);

    /**
     * The name this agent has as a tool (for MCP clients and for agents that ask it): {@code [a-z0-9_]}, at most 49
     * characters, unique by the agent id's first characters.
     */
    public String toolName() {
        String slug = name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
        if (slug.length() > 40) {
            slug = slug.substring(0, 40);
        }
        return (slug.isEmpty() ? "agent" : slug) + "_" + id.toString().substring(0, 8);
    }

    /** " Its instructions: ..." (the system prompt's first 300 characters) for a tool description, or "". */
    public String instructionsForTool() {
        String prompt = systemPrompt.length() > 300 ? systemPrompt.substring(0, 300) + "\u2026" : systemPrompt;
        return prompt.isBlank() ? "" : " Its instructions: " + prompt;
    }

    /** Per-turn limits; null ones fall back to the runtime's ({@code runtime.turn.*}). */
    public record Limits(Integer maxToolRounds, Integer maxTurnSeconds, Integer maxTurnTokens) {
        public static final Limits NONE = new Limits(null, null, null);
    }

    /**
     * How the conversation is fitted to the model: past {@code maxTokens} (null: never) the oldest whole turns are
     * dropped ({@code drop_oldest}) or replaced by a summary the model writes ({@code summarize}).
     */
    public record ContextPolicy(Integer maxTokens, String strategy) {
        public static final ContextPolicy UNLIMITED = new ContextPolicy(null, DROP_OLDEST);
    }
}

package io.switchboard.contracts.llm;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * How a model call should generate, as a client or an agent asked: every field may be null (the deployment's or the
 * provider's default). {@code maxOutputTokens} bounds the answer (OpenAI's {@code max_completion_tokens}, Anthropic's
 * {@code max_tokens}, Ollama's {@code num_predict}); {@code reasoningEffort} is {@code none}, {@code minimal},
 * {@code low}, {@code medium}, {@code high}, {@code xhigh} or {@code max} (each vendor takes the nearest it has) and {@code thinkingBudget} a number of tokens for reasoning (Anthropic's extended
 * thinking). {@code user} and {@code metadata} attribute the call. {@code logprobs} asks for the log probability of
 * each answer token, with the {@code topLogprobs} likeliest alternatives (OpenAI-style deployments only). A provider that cannot honour a setting refuses the
 * call, naming it, unless {@code dropUnsupported} says to go on without it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerationSettings(Double temperature, Double topP, Integer topK, Integer maxOutputTokens,
                                 List<String> stop, Long seed, Double presencePenalty, Double frequencyPenalty,
                                 String reasoningEffort, Integer thinkingBudget, ToolChoice toolChoice,
                                 Boolean parallelToolCalls, String user, Map<String, String> metadata,
                                 boolean dropUnsupported, Boolean logprobs, Integer topLogprobs) {
    /** Nothing asked: every default. */
    public static final GenerationSettings DEFAULTS = new GenerationSettings(null, null, null, null, null, null, null,
            null, null, null, null, null, null, null, false);

    /** Settings without log probabilities. */
    public GenerationSettings(Double temperature, Double topP, Integer topK, Integer maxOutputTokens,
                              List<String> stop, Long seed, Double presencePenalty, Double frequencyPenalty,
                              String reasoningEffort, Integer thinkingBudget, ToolChoice toolChoice,
                              Boolean parallelToolCalls, String user, Map<String, String> metadata,
                              boolean dropUnsupported) {
        this(temperature, topP, topK, maxOutputTokens, stop, seed, presencePenalty, frequencyPenalty, reasoningEffort,
                thinkingBudget, toolChoice, parallelToolCalls, user, metadata, dropUnsupported, null, null);
    }

    /** The same settings with another tool choice (null: the model's own). */
    public GenerationSettings withToolChoice(ToolChoice choice) {
        return new GenerationSettings(temperature, topP, topK, maxOutputTokens, stop, seed, presencePenalty,
                frequencyPenalty, reasoningEffort, thinkingBudget, choice, parallelToolCalls, user, metadata,
                dropUnsupported, logprobs, topLogprobs);
    }

    /**
     * Which tools the model may or must call: {@code auto} (its choice), {@code none}, {@code required} (one at least)
     * or {@code tool} (the one named).
     */
    public record ToolChoice(String mode, String name) {
        public static final ToolChoice AUTO = new ToolChoice("auto", null);
        public static final ToolChoice NONE = new ToolChoice("none", null);
        public static final ToolChoice REQUIRED = new ToolChoice("required", null);

        public static ToolChoice tool(String name) {
            return new ToolChoice("tool", name);
        }
    }
}

package io.switchboard.gateway.provider;

import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.gateway.routing.Deployment;
import java.util.ArrayList;
import java.util.List;

/**
 * Which generation settings each vendor's API has no field for. A call asking for one is refused before it goes out,
 * naming it (a 400 at the front doors), unless the request or the deployment says to drop such settings: a client
 * asking for {@code top_k} at OpenAI should learn that it is not honoured, not get an answer as if it were.
 */
public final class Unsupported {
    private Unsupported() {
    }

    /** The settings of {@code settings}, by their wire names, that {@code provider}'s API cannot honour. */
    public static List<String> of(String provider, GenerationSettings settings) {
        List<String> names = new ArrayList<>();
        String choice = settings.toolChoice() == null ? null : settings.toolChoice().mode();
        switch (provider) {
            case "openai":
                add(names, "top_k", settings.topK());
                add(names, "thinking_budget", settings.thinkingBudget());
                break;
            case "openai-compatible":
                add(names, "thinking_budget", settings.thinkingBudget());
                break;
            case "anthropic":
                add(names, "logprobs", Boolean.TRUE.equals(settings.logprobs()) ? true : null);
                add(names, "top_logprobs", settings.topLogprobs());
                add(names, "seed", settings.seed());
                add(names, "presence_penalty", settings.presencePenalty());
                add(names, "frequency_penalty", settings.frequencyPenalty());
                break;
            case "ollama":
                add(names, "logprobs", Boolean.TRUE.equals(settings.logprobs()) ? true : null);
                add(names, "top_logprobs", settings.topLogprobs());
                add(names, "thinking_budget", settings.thinkingBudget());
                // "none" is honoured by offering no tools
                add(names, "tool_choice", "required".equals(choice) || "tool".equals(choice) ? choice : null);
                add(names, "parallel_tool_calls", Boolean.FALSE.equals(settings.parallelToolCalls()) ? false : null);
                break;
            default:
                break; // sim takes everything and heeds none of it
        }
        return names;
    }

    /** Whether calls on {@code deployment} go on without what it cannot honour. */
    public static boolean dropped(Deployment deployment, GenerationSettings settings) {
        return settings.dropUnsupported() || deployment.dropUnsupported();
    }

    /** Refuses the call if it asks for something the deployment's vendor cannot honour, unless that is dropped. */
    public static void check(Deployment deployment, GenerationSettings settings) {
        List<String> names = of(deployment.provider(), settings);
        if (!names.isEmpty() && !dropped(deployment, settings)) {
            String them = names.size() == 1 ? "it" : "them";
            throw new ProviderException(ProviderException.Kind.INVALID_REQUEST, 400, vendor(deployment.provider())
                    + " cannot honour " + String.join(", ", names) + "; leave " + them
                    + " out, or send drop_params: true to go on without " + them, null);
        }
    }

    private static String vendor(String provider) {
        switch (provider) {
            case "openai":
                return "OpenAI";
            case "anthropic":
                return "Anthropic";
            case "ollama":
                return "Ollama";
            default:
                return "this OpenAI-compatible server";
        }
    }

    private static void add(List<String> names, String name, Object value) {
        if (value != null) {
            names.add(name);
        }
    }
}

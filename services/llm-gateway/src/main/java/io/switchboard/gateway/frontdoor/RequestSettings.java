package io.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.contracts.llm.GenerationSettings.ToolChoice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The generation settings of a front-door request, read from each door's own field names and checked as its vendor
 * checks them: a value out of range is a 400 that names the field, never passed on or silently dropped.
 */
final class RequestSettings {
    private static final Set<String> EFFORTS = Set.of("none", "minimal", "low", "medium", "high", "xhigh", "max");

    private RequestSettings() {
    }

    /** {@code /v1/chat/completions}; {@code top_k} and LiteLLM's {@code drop_params} are taken too. */
    static GenerationSettings openAi(JsonNode body) {
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asInt() == 1)) {
            throw FrontDoorRequest.invalid("n: only one choice per request is served (n must be 1)");
        }
        Integer max = whole(body, "max_completion_tokens", 1);
        if (max == null) {
            max = whole(body, "max_tokens", 1);
        }
        String effort = text(body, "reasoning_effort");
        if (effort != null && !EFFORTS.contains(effort)) {
            throw FrontDoorRequest.invalid("reasoning_effort: must be one of " + String.join(", ", EFFORTS));
        }
        return new GenerationSettings(number(body, "temperature", 0, 2), number(body, "top_p", 0, 1),
                whole(body, "top_k", 1), max, stops(body, "stop"), seed(body), number(body, "presence_penalty", -2, 2),
                number(body, "frequency_penalty", -2, 2), effort, null, openAiToolChoice(body.get("tool_choice")),
                bool(body, "parallel_tool_calls"), text(body, "user"), metadata(body.get("metadata")),
                Boolean.TRUE.equals(bool(body, "drop_params")), bool(body, "logprobs"), topLogprobs(body));
    }

    /** {@code /v1/messages}. */
    static GenerationSettings anthropic(JsonNode body) {
        Integer budget = null;
        JsonNode thinking = body.get("thinking");
        if (thinking != null && !thinking.isNull()) {
            String type = text(thinking, "type");
            if ("enabled".equals(type)) {
                budget = whole(thinking, "budget_tokens", 1);
                if (budget == null) {
                    throw FrontDoorRequest.invalid("thinking.budget_tokens: Field required");
                }
            } else if (!"disabled".equals(type)) {
                throw FrontDoorRequest.invalid("thinking.type: 'enabled' (with budget_tokens) and 'disabled' are "
                        + "relayed; '" + type + "' is not yet");
            }
        }
        JsonNode outputConfig = body.path("output_config");
        String effort = outputConfig.isObject() ? text(outputConfig, "effort") : null;
        if (effort != null && !EFFORTS.contains(effort)) {
            throw FrontDoorRequest.invalid("output_config.effort: must be one of " + String.join(", ", EFFORTS));
        }
        JsonNode metadata = body.get("metadata");
        String user = metadata != null && metadata.isObject() ? text(metadata, "user_id") : null;
        ToolChoice choice = null;
        Boolean parallel = null;
        JsonNode toolChoice = body.get("tool_choice");
        if (toolChoice != null && !toolChoice.isNull()) {
            String type = text(toolChoice, "type");
            if ("tool".equals(type)) {
                String name = text(toolChoice, "name");
                if (name == null || name.isBlank()) {
                    throw FrontDoorRequest.invalid("tool_choice.name: Field required");
                }
                choice = ToolChoice.tool(name);
            } else if ("auto".equals(type) || "none".equals(type) || "any".equals(type)) {
                choice = new ToolChoice("any".equals(type) ? "required" : type, null);
            } else {
                throw FrontDoorRequest.invalid("tool_choice.type: must be auto, any, tool or none");
            }
            if (toolChoice.path("disable_parallel_tool_use").asBoolean(false)) {
                parallel = false;
            }
        }
        return new GenerationSettings(number(body, "temperature", 0, 1), number(body, "top_p", 0, 1),
                whole(body, "top_k", 0), whole(body, "max_tokens", 1), stops(body, "stop_sequences"), null, null, null,
                effort, budget, choice, parallel, user, null, false);
    }

    private static ToolChoice openAiToolChoice(JsonNode choice) {
        if (choice == null || choice.isNull()) {
            return null;
        }
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "auto":
                    return ToolChoice.AUTO;
                case "none":
                    return ToolChoice.NONE;
                case "required":
                    return ToolChoice.REQUIRED;
                default:
                    throw FrontDoorRequest.invalid("tool_choice: must be none, auto, required or a named function");
            }
        }
        String name = choice.path("function").path("name").asText(null);
        if (!"function".equals(text(choice, "type")) || name == null || name.isBlank()) {
            throw FrontDoorRequest.invalid("tool_choice: a named choice is {\"type\":\"function\",\"function\":"
                    + "{\"name\":...}}");
        }
        return ToolChoice.tool(name);
    }

    /** OpenAI's 0 to 20 alternatives a token, taken with {@code logprobs} only. */
    private static Integer topLogprobs(JsonNode body) {
        JsonNode value = body.get("top_logprobs");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || value.asInt() < 0 || value.asInt() > 20) {
            throw FrontDoorRequest.invalid("top_logprobs: must be a whole number from 0 to 20");
        }
        if (!body.path("logprobs").asBoolean(false)) {
            throw FrontDoorRequest.invalid("top_logprobs: is taken with logprobs: true only");
        }
        return value.asInt();
    }

    private static Double number(JsonNode body, String field, double min, double max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber() || value.asDouble() < min || value.asDouble() > max) {
            throw FrontDoorRequest.invalid(field + ": must be a number from " + plain(min) + " to " + plain(max));
        }
        return value.asDouble();
    }

    private static Integer whole(JsonNode body, String field, int min) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < min) {
            throw FrontDoorRequest.invalid(field + ": must be a whole number of at least " + min);
        }
        return value.asInt();
    }

    private static Long seed(JsonNode body) {
        JsonNode value = body.get("seed");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw FrontDoorRequest.invalid("seed: must be a whole number");
        }
        return value.asLong();
    }

    private static Boolean bool(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isBoolean()) {
            throw FrontDoorRequest.invalid(field + ": must be true or false");
        }
        return value.asBoolean();
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw FrontDoorRequest.invalid(field + ": must be a string");
        }
        return value.asText();
    }

    /** A string or an array of strings. */
    private static List<String> stops(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        List<String> stops = new ArrayList<>();
        if (value.isTextual()) {
            stops.add(value.asText());
        } else if (value.isArray()) {
            for (JsonNode stop : value) {
                if (!stop.isTextual()) {
                    throw FrontDoorRequest.invalid(field + ": must be a string or an array of strings");
                }
                stops.add(stop.asText());
            }
        } else {
            throw FrontDoorRequest.invalid(field + ": must be a string or an array of strings");
        }
        return stops.isEmpty() ? null : stops;
    }

    /** OpenAI's metadata: string values (at most 16, as OpenAI takes). */
    private static Map<String, String> metadata(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject() || value.size() > 16) {
            throw FrontDoorRequest.invalid("metadata: must be an object of at most 16 string values");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        value.fields().forEachRemaining(entry -> {
            if (!entry.getValue().isTextual()) {
                throw FrontDoorRequest.invalid("metadata." + entry.getKey() + ": must be a string");
            }
            metadata.put(entry.getKey(), entry.getValue().asText());
        });
        return metadata;
    }

    private static String plain(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }
}

package io.switchboard.gateway.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.gateway.provider.Json;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException;
import io.switchboard.gateway.provider.SseEvents;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Anthropic's stream: {@code message_start} (input usage), per content block {@code content_block_start},
 * {@code content_block_delta} ({@code text_delta}, {@code thinking_delta}, {@code input_json_delta}) and
 * {@code content_block_stop}, then {@code message_delta} (stop reason, output usage) and {@code message_stop}. A
 * {@code tool_use} block is given out whole at its stop; an {@code error} event fails the stream.
 */
final class AnthropicStreamParser {
    private final Map<Integer, ToolUse> toolUses = new HashMap<>();
    private int inputTokens;
    private int cachedInputTokens;
    private int outputTokens;
    private String stopReason;
    private boolean stopped;

    List<ProviderEvent> accept(SseEvents.Event event) {
        JsonNode data = Json.read(event.data());
        String type = event.name() != null ? event.name() : Json.text(data, "type");
        switch (String.valueOf(type)) {
            case "message_start": {
                JsonNode usage = data.path("message").path("usage");
                inputTokens = usage.path("input_tokens").asInt() + usage.path("cache_creation_input_tokens").asInt()
                        + usage.path("cache_read_input_tokens").asInt();
                cachedInputTokens = usage.path("cache_read_input_tokens").asInt();
                outputTokens = usage.path("output_tokens").asInt();
                return List.of();
            }
            case "content_block_start": {
                JsonNode block = data.path("content_block");
                if ("tool_use".equals(Json.text(block, "type"))) {
                    toolUses.put(data.path("index").asInt(), new ToolUse(Json.text(block, "id"),
                            Json.text(block, "name")));
                }
                return List.of();
            }
            case "content_block_delta": {
                JsonNode delta = data.path("delta");
                switch (String.valueOf(Json.text(delta, "type"))) {
                    case "text_delta":
                        return List.of(new ProviderEvent.TextDelta(delta.path("text").asText()));
                    case "thinking_delta":
                        return List.of(new ProviderEvent.ReasoningDelta(delta.path("thinking").asText()));
                    case "input_json_delta": {
                        ToolUse use = toolUses.get(data.path("index").asInt());
                        if (use != null) {
                            use.input.append(delta.path("partial_json").asText());
                        }
                        return List.of();
                    }
                    case "signature_delta":
                        return List.of(new ProviderEvent.ReasoningSignature(delta.path("signature").asText()));
                    default:
                        return List.of(); // future kinds carry nothing we relay
                }
            }
            case "content_block_stop": {
                ToolUse use = toolUses.remove(data.path("index").asInt());
                return use == null ? List.of() : List.of(new ProviderEvent.ToolCall(use.id, use.name,
                        use.input.length() == 0 ? "{}" : use.input.toString()));
            }
            case "message_delta": {
                String reason = Json.text(data.path("delta"), "stop_reason");
                if (reason != null) {
                    stopReason = reason;
                }
                JsonNode usage = data.path("usage");
                if (usage.has("output_tokens")) {
                    outputTokens = usage.path("output_tokens").asInt();
                }
                return List.of();
            }
            case "message_stop":
                stopped = true;
                return List.of(new ProviderEvent.Usage(inputTokens, outputTokens, cachedInputTokens),
                        new ProviderEvent.Finish(finishReason(stopReason)));
            case "error":
                throw Json.inBandError(data.path("error"));
            default:
                return List.of(); // ping and future event kinds
        }
    }

    List<ProviderEvent> end() {
        if (!stopped) {
            throw new ProviderException(ProviderException.Kind.STREAM_INTERRUPTED,
                    "the stream ended before message_stop");
        }
        return List.of();
    }

    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return "stop";
        }
        switch (stopReason) {
            case "tool_use":
                return "tool_calls";
            case "max_tokens":
                return "length";
            case "refusal":
                return "content_filter";
            default:
                return "stop";
        }
    }

    private static final class ToolUse {
        final String id;
        final String name;
        final StringBuilder input = new StringBuilder();

        ToolUse(String id, String name) {
            this.id = id;
            this.name = name;
        }
    }
}

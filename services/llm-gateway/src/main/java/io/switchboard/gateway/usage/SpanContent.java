package io.switchboard.gateway.usage;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.gateway.provider.Json;
import io.switchboard.gateway.provider.ProviderEvent;
import java.util.List;

/**
 * Prompt and completion as the OpenTelemetry GenAI conventions record them when content capture is on
 * ({@code gen_ai.system_instructions}, {@code gen_ai.input.messages}, {@code gen_ai.output.messages}): JSON arrays of
 * messages, each a role with typed parts.
 */
final class SpanContent {
    private SpanContent() {
    }

    /** The system messages, as text parts; null when there are none. */
    static String systemInstructions(List<ChatMessage> messages) {
        ArrayNode parts = Json.MAPPER.createArrayNode();
        messages.stream().filter(m -> m.role().equals("system"))
                .forEach(m -> parts.addObject().put("type", "text").put("content", m.content()));
        return parts.isEmpty() ? null : Json.write(parts);
    }

    /** Every message but the system ones. */
    static String inputMessages(List<ChatMessage> messages) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (ChatMessage m : messages) {
            if (m.role().equals("system")) {
                continue;
            }
            ObjectNode message = out.addObject().put("role", m.role());
            ArrayNode parts = message.putArray("parts");
            if (m.role().equals("tool")) {
                parts.addObject().put("type", "tool_call_response").put("id", m.toolCallId())
                        .put("response", m.content());
                continue;
            }
            if (m.content() != null && !m.content().isEmpty()) {
                parts.addObject().put("type", "text").put("content", m.content());
            }
            if (m.toolCalls() != null) {
                for (ToolCall call : m.toolCalls()) {
                    toolCall(parts, call.id(), call.name(), call.arguments());
                }
            }
        }
        return Json.write(out);
    }

    /** The model's answer: its text and tool calls, with why it stopped. */
    static String outputMessages(CharSequence text, List<ProviderEvent.ToolCall> calls, String finishReason) {
        ArrayNode out = Json.MAPPER.createArrayNode();
        ObjectNode message = out.addObject().put("role", "assistant");
        ArrayNode parts = message.putArray("parts");
        if (text.length() > 0) {
            parts.addObject().put("type", "text").put("content", text.toString());
        }
        calls.forEach(call -> toolCall(parts, call.id(), call.name(), call.arguments()));
        if (finishReason != null) {
            message.put("finish_reason", finishReason);
        }
        return Json.write(out);
    }

    private static void toolCall(ArrayNode parts, String id, String name, String arguments) {
        parts.addObject().put("type", "tool_call").put("id", id).put("name", name)
                .set("arguments", Json.object(arguments));
    }
}

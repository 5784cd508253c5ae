package io.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ContentPart;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.contracts.llm.ToolSpec;
import io.switchboard.gateway.provider.Json;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The Anthropic Messages wire format on our side of the gateway: requests in, events and messages out. */
final class AnthropicFormat {
    private AnthropicFormat() {
    }

    @SuppressWarnings("unchecked")
    static LlmRequest toRequest(String requestId, JsonNode body) {
        String model = Json.text(body, "model");
        if (model == null || model.isBlank()) {
            throw FrontDoorRequest.invalid("model: Field required");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw FrontDoorRequest.invalid("messages: must be a non-empty array");
        }
        List<ChatMessage> conversation = new ArrayList<>();
        addSystem(conversation, body.get("system"));
        for (JsonNode m : messages) {
            String role = Json.text(m, "role");
            if (!"user".equals(role) && !"assistant".equals(role)) {
                throw FrontDoorRequest.invalid("messages: role must be 'user' or 'assistant', not '" + role + "'");
            }
            JsonNode content = m.get("content");
            if (content != null && content.isTextual()) {
                conversation.add(new ChatMessage(role, content.asText(), List.of(), null));
                continue;
            }
            StringBuilder text = new StringBuilder();
            List<ToolCall> calls = new ArrayList<>();
            List<ContentPart> parts = new ArrayList<>();
            boolean media = false;
            boolean cache = false; // a cache_control breakpoint on a block of this message (not a tool result)
            for (JsonNode block : content == null ? Json.MAPPER.createArrayNode() : content) {
                String type = String.valueOf(Json.text(block, "type"));
                boolean breakpoint = block.hasNonNull("cache_control");
                switch (type) {
                    case "text":
                        text.append(block.path("text").asText());
                        parts.add(ContentPart.text(block.path("text").asText()));
                        cache |= breakpoint;
                        break;
                    case "image":
                    case "document":
                        if (!role.equals("user")) {
                            throw FrontDoorRequest.invalid("messages: " + type + " blocks are taken in user messages"
                                    + " only");
                        }
                        parts.add(media(type, block.path("source")));
                        media = true;
                        cache |= breakpoint;
                        break;
                    case "tool_use":
                        cache |= breakpoint;
                        calls.add(new ToolCall(Json.text(block, "id"), Json.text(block, "name"),
                                Json.write(block.path("input").isObject() ? block.get("input")
                                        : Json.MAPPER.createObjectNode())));
                        break;
                    case "tool_result":
                        ChatMessage result = toolResult(block);
                        conversation.add(breakpoint ? result.cached() : result);
                        break;
                    case "thinking":
                        if (role.equals("assistant")) {
                            parts.add(ContentPart.thinking(block.path("thinking").asText(),
                                    Json.text(block, "signature")));
                        }
                        break;
                    default:
                        break; // redacted_thinking and future kinds are not relayed
                }
            }
            ChatMessage message = role.equals("assistant") ? new ChatMessage("assistant", text.toString(), calls, null,
                    parts.stream().anyMatch(p -> p.type().equals(ContentPart.THINKING)) ? parts : null)
                    : media ? ChatMessage.user(parts)
                    : text.length() > 0 ? ChatMessage.user(text.toString()) : null;
            if (message != null) {
                conversation.add(cache ? message.cached() : message);
            }
        }
        List<ToolSpec> tools = new ArrayList<>();
        for (JsonNode tool : body.path("tools")) {
            tools.add(new ToolSpec(Json.text(tool, "name"), Json.text(tool, "description"),
                    tool.has("input_schema") ? Json.MAPPER.convertValue(tool.get("input_schema"), Map.class)
                            : Map.of("type", "object")));
        }
        LlmRequest request = LlmRequest.of(requestId, null, null, model, conversation, tools)
                .withSettings(RequestSettings.anthropic(body));
        // structured output: output_config.format (GA) or the beta's top-level output_format
        JsonNode format = body.path("output_config").path("format");
        if (!format.isObject()) {
            format = body.path("output_format");
        }
        if ("json_schema".equals(Json.text(format, "type")) && format.path("schema").isObject()) {
            return request.withResponseFormat(Map.of("type", "json_schema", "json_schema",
                    Map.of("name", "output", "schema", Json.MAPPER.convertValue(format.get("schema"), Map.class))));
        }
        return request;
    }

    /**
     * A tool's result: its text, and the images it returned (a screenshot, say) as parts. An error result says so in
     * its text, as the model will read it.
     */
    private static ChatMessage toolResult(JsonNode block) {
        JsonNode content = block.get("content");
        String id = Json.text(block, "tool_use_id");
        String text = text(content);
        if (block.path("is_error").asBoolean(false)) {
            text = "Error: " + text;
        }
        List<ContentPart> parts = new ArrayList<>();
        boolean media = false;
        if (content != null && content.isArray()) {
            for (JsonNode item : content) {
                String type = String.valueOf(Json.text(item, "type"));
                if (type.equals("text")) {
                    parts.add(ContentPart.text(item.path("text").asText()));
                } else if (type.equals("image") || type.equals("document")) {
                    parts.add(media(type, item.path("source")));
                    media = true;
                }
            }
        }
        return new ChatMessage("tool", text, List.of(), id, media ? parts : null);
    }

    /**
     * The system prompt: a string, or text blocks. Blocks with a {@code cache_control} breakpoint keep it (each block is
     * a system message of its own then, so the breakpoint stays where the client put it).
     */
    private static void addSystem(List<ChatMessage> conversation, JsonNode system) {
        if (system != null && system.isArray()) {
            boolean breakpoints = false;
            for (JsonNode block : system) {
                breakpoints |= block.hasNonNull("cache_control");
            }
            if (breakpoints) {
                for (JsonNode block : system) {
                    if ("text".equals(Json.text(block, "type"))) {
                        ChatMessage part = ChatMessage.system(block.path("text").asText());
                        conversation.add(block.hasNonNull("cache_control") ? part.cached() : part);
                    }
                }
                return;
            }
        }
        String text = text(system);
        if (!text.isEmpty()) {
            conversation.add(ChatMessage.system(text));
        }
    }

    /** An image or document block's source: base64 with its media type, a URL, or (documents) plain text. */
    private static ContentPart media(String type, JsonNode source) {
        switch (String.valueOf(Json.text(source, "type"))) {
            case "base64":
                String mediaType = Json.text(source, "media_type");
                String data = Json.text(source, "data");
                if (mediaType == null || data == null) {
                    throw FrontDoorRequest.invalid("messages: a base64 " + type + " source needs media_type and data");
                }
                return new ContentPart(type, null, mediaType, data, null);
            case "url":
                String url = Json.text(source, "url");
                if (url == null || url.isBlank()) {
                    throw FrontDoorRequest.invalid("messages: a url " + type + " source needs url");
                }
                return new ContentPart(type, null, null, null, url);
            case "text":
                if (type.equals("document")) {
                    return ContentPart.text(source.path("data").asText("")); // a plain-text document is its text
                }
                // fall through: images have no text source
            default:
                throw FrontDoorRequest.invalid("messages: " + type + " sources of type '" + Json.text(source, "type")
                        + "' are not relayed (base64 and url are)");
        }
    }

    /** A string, or text blocks joined. */
    static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode block : content) {
            if ("text".equals(Json.text(block, "type"))) {
                text.append(text.length() == 0 ? "" : "\n").append(block.path("text").asText());
            }
        }
        return text.toString();
    }

    static String stopReason(String finish) {
        switch (finish) {
            case "tool_calls":
                return "tool_use";
            case "length":
                return "max_tokens";
            case "content_filter":
                return "refusal";
            default:
                return "end_turn";
        }
    }

    static String event(String name, ObjectNode data) {
        return "event: " + name + "\ndata: " + Json.write(data) + "\n\n";
    }

    static ObjectNode message(String id, String model) {
        ObjectNode message = Json.MAPPER.createObjectNode().put("id", id).put("type", "message")
                .put("role", "assistant").put("model", model);
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        return message;
    }

    static String document(String id, String model, List<ProviderEvent> events) {
        ObjectNode message = message(id, model);
        ArrayNode content = (ArrayNode) message.get("content");
        StringBuilder text = new StringBuilder();
        StringBuilder thinking = new StringBuilder();
        ProviderEvent.Usage usage = new ProviderEvent.Usage(0, 0, 0);
        String finish = "stop";
        for (ProviderEvent event : events) {
            if (event instanceof ProviderEvent.ReasoningDelta r) {
                thinking.append(r.text());
            } else if (event instanceof ProviderEvent.ReasoningSignature signed) {
                content.addObject().put("type", "thinking").put("thinking", thinking.toString())
                        .put("signature", signed.signature());
                thinking.setLength(0);
            } else if (event instanceof ProviderEvent.TextDelta t) {
                text.append(t.text());
            } else if (event instanceof ProviderEvent.ToolCall call) {
                if (text.length() > 0) {
                    content.addObject().put("type", "text").put("text", text.toString());
                    text.setLength(0);
                }
                content.addObject().put("type", "tool_use").put("id", call.id()).put("name", call.name())
                        .set("input", Json.object(call.arguments()));
            } else if (event instanceof ProviderEvent.Usage u) {
                usage = u;
            } else if (event instanceof ProviderEvent.Finish f) {
                finish = f.reason();
            }
        }
        if (thinking.length() > 0) { // reasoning without a signature (a vendor that signs none): first, as Anthropic's
            content.insertObject(0).put("type", "thinking").put("thinking", thinking.toString()).put("signature", "");
        }
        if (text.length() > 0 || content.isEmpty()) {
            content.addObject().put("type", "text").put("text", text.toString());
        }
        message.put("stop_reason", stopReason(finish));
        // Anthropic counts cache reads apart from input_tokens
        message.putObject("usage").put("input_tokens", usage.inputTokens() - usage.cachedInputTokens())
                .put("output_tokens", usage.outputTokens())
                .put("cache_read_input_tokens", usage.cachedInputTokens());
        return Json.write(message);
    }

    static int status(Throwable failure) {
        if (failure instanceof ProviderException e && e.kind() == ProviderException.Kind.OVERLOADED) {
            return 529;
        }
        return OpenAiFormat.status(failure);
    }

    static ObjectNode errorObject(Throwable failure) {
        String type;
        switch (status(failure)) {
            case 403:
                type = "permission_error";
                break;
            case 400:
                type = "invalid_request_error";
                break;
            case 401:
                type = "authentication_error";
                break;
            case 404:
                type = "not_found_error";
                break;
            case 429:
                type = "rate_limit_error";
                break;
            case 529:
            case 503:
                type = "overloaded_error";
                break;
            default:
                type = "api_error";
        }
        ObjectNode error = Json.MAPPER.createObjectNode().put("type", "error");
        error.putObject("error").put("type", type).put("message", failure.getMessage());
        return error;
    }
}

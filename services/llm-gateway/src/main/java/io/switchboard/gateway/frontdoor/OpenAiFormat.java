package io.switchboard.gateway.frontdoor;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
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

/** The OpenAI Chat Completions wire format on our side of the gateway: requests in, chunks and completions out. */
final class OpenAiFormat {
    private OpenAiFormat() {
    }

    @SuppressWarnings("unchecked")
    static LlmRequest toRequest(String requestId, JsonNode body) {
        String model = Json.text(body, "model");
        if (model == null || model.isBlank()) {
            throw FrontDoorRequest.invalid("'model' is required");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw FrontDoorRequest.invalid("'messages' must be a non-empty array");
        }
        List<ChatMessage> conversation = new ArrayList<>();
        for (JsonNode m : messages) {
            String role = Json.text(m, "role");
            if (role == null || !List.of("system", "developer", "user", "assistant", "tool").contains(role)) {
                throw FrontDoorRequest.invalid("unsupported message role '" + role + "'");
            }
            List<ToolCall> calls = new ArrayList<>();
            for (JsonNode call : m.path("tool_calls")) {
                calls.add(new ToolCall(Json.text(call, "id"), Json.text(call.path("function"), "name"),
                        Json.text(call.path("function"), "arguments")));
            }
            List<ContentPart> parts = parts(m.get("content"));
            if (parts != null && !role.equals("user")) {
                throw FrontDoorRequest.invalid("messages: images and files are taken in user messages only, not in '"
                        + role + "' ones");
            }
            // cache_control on a part (as LiteLLM and OpenRouter take it) is a prompt-cache breakpoint for
            // deployments that have them (Anthropic); OpenAI caches prompts by itself
            boolean breakpoint = false;
            for (JsonNode part : m.path("content")) {
                breakpoint |= part.hasNonNull("cache_control");
            }
            conversation.add(new ChatMessage(role.equals("developer") ? "system" : role, content(m.get("content")),
                    calls, Json.text(m, "tool_call_id"), parts, breakpoint ? Boolean.TRUE : null));
        }
        List<ToolSpec> tools = new ArrayList<>();
        for (JsonNode tool : body.path("tools")) {
            JsonNode function = tool.path("function");
            tools.add(new ToolSpec(Json.text(function, "name"), Json.text(function, "description"),
                    function.has("parameters") ? Json.MAPPER.convertValue(function.get("parameters"), Map.class)
                            : Map.of("type", "object")));
        }
        LlmRequest request = LlmRequest.of(requestId, null, null, model, conversation, tools)
                .withSettings(RequestSettings.openAi(body));
        JsonNode format = body.get("response_format");
        return format != null && format.isObject()
                ? request.withResponseFormat(Json.MAPPER.convertValue(format, Map.class)) : request;
    }

    /**
     * A message's parts when it has an image or a file among them ({@code image_url} by URL or {@code data:} URL;
     * {@code file} with {@code file_data}), else null: a message of text is its text.
     */
    static List<ContentPart> parts(JsonNode content) {
        if (content == null || !content.isArray()) {
            return null;
        }
        List<ContentPart> parts = new ArrayList<>();
        boolean media = false;
        for (JsonNode part : content) {
            String type = String.valueOf(Json.text(part, "type"));
            switch (type) {
                case "text":
                    parts.add(ContentPart.text(part.path("text").asText()));
                    break;
                case "refusal": // an assistant's refusal, sent back in a conversation: its text
                    parts.add(ContentPart.text(part.path("refusal").asText()));
                    break;
                case "image_url":
                    String url = part.path("image_url").path("url").asText("");
                    if (url.isBlank()) {
                        throw FrontDoorRequest.invalid("messages: an image_url part needs image_url.url");
                    }
                    String detail = part.path("image_url").path("detail").asText(null);
                    if (detail != null && !List.of("low", "high", "auto").contains(detail)) {
                        throw FrontDoorRequest.invalid("messages: image_url.detail must be low, high or auto");
                    }
                    parts.add(MediaUrls.part(ContentPart.IMAGE, url).withDetail(detail));
                    media = true;
                    break;
                case "file":
                    String data = part.path("file").path("file_data").asText("");
                    if (!data.startsWith("data:")) {
                        throw FrontDoorRequest.invalid("messages: a file part needs file.file_data (a data: URL);"
                                + " file_id is not relayed");
                    }
                    parts.add(MediaUrls.part(ContentPart.DOCUMENT, data));
                    media = true;
                    break;
                default:
                    throw FrontDoorRequest.invalid("messages: content parts of type '" + type + "' are not relayed"
                            + " (text, image_url and file are)");
            }
        }
        return media ? parts : null;
    }

    /** Content is a string or a list of parts; text parts are joined. */
    static String content(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            if ("text".equals(Json.text(part, "type"))) {
                text.append(part.path("text").asText());
            } else if ("refusal".equals(Json.text(part, "type"))) {
                text.append(part.path("refusal").asText());
            }
        }
        return text.toString();
    }

    /**
     * What every streamed chunk of one answer starts with, up to the inside of its {@code delta}: written once per
     * stream, so a chunk costs the escaping of its own text and little else.
     */
    static String chunkStart(String id, String model, long created) {
        return "{\"id\":" + quoted(id) + ",\"object\":\"chat.completion.chunk\",\"created\":" + created
                + ",\"model\":" + quoted(model) + ",\"choices\":[{\"index\":0,\"delta\":{";
    }

    /**
     * Writes one streamed chunk for {@code event} after {@code start} ({@link #chunkStart}); null for events that
     * have no chunk of their own. Written as text, not through a tree: this runs for every token.
     */
    static String chunk(String start, ProviderEvent event, boolean first, int toolIndex) {
        StringBuilder chunk = new StringBuilder(start.length() + 96).append(start);
        if (first) {
            chunk.append("\"role\":\"assistant\"");
        }
        String field;
        String value;
        String logprobs = "null";
        if (event instanceof ProviderEvent.TextDelta text) {
            field = "content";
            value = quoted(text.text());
            if (text.logprobs() != null) {
                logprobs = "{\"content\":" + text.logprobs() + "}";
            }
        } else if (event instanceof ProviderEvent.ReasoningDelta reasoning) {
            field = "reasoning_content";
            value = quoted(reasoning.text());
        } else if (event instanceof ProviderEvent.ToolCall call) {
            field = "tool_calls";
            value = "[{\"index\":" + toolIndex + ",\"id\":" + quoted(call.id())
                    + ",\"type\":\"function\",\"function\":{\"name\":" + quoted(call.name()) + ",\"arguments\":"
                    + quoted(call.arguments()) + "}}]";
        } else if (event instanceof ProviderEvent.Finish finish) {
            return chunk.append("},\"finish_reason\":").append(quoted(finish.reason()))
                    .append(",\"logprobs\":null}]}").toString();
        } else {
            return null;
        }
        if (first) {
            chunk.append(',');
        }
        return chunk.append('"').append(field).append("\":").append(value)
                .append("},\"logprobs\":").append(logprobs).append(",\"finish_reason\":null}]}").toString();
    }

    /** {@code text} as a JSON string (escaped as Jackson's writer does), or {@code null}. */
    static String quoted(String text) {
        return text == null ? "null" : "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
    }

    static String usageChunk(String id, String model, long created, ProviderEvent.Usage usage) {
        ObjectNode chunk = Json.MAPPER.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", created).put("model", model);
        chunk.putArray("choices");
        chunk.set("usage", usage(usage));
        return Json.write(chunk);
    }

    static String completion(String id, String model, long created, List<ProviderEvent> events) {
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        ArrayNode logprobs = null;
        ProviderEvent.Usage usage = new ProviderEvent.Usage(0, 0, 0);
        String finish = "stop";
        for (ProviderEvent event : events) {
            if (event instanceof ProviderEvent.TextDelta t) {
                text.append(t.text());
                if (t.logprobs() != null) {
                    logprobs = logprobs == null ? Json.MAPPER.createArrayNode() : logprobs;
                    logprobs.addAll((ArrayNode) Json.read(t.logprobs()));
                }
            } else if (event instanceof ProviderEvent.ReasoningDelta r) {
                reasoning.append(r.text());
            } else if (event instanceof ProviderEvent.ToolCall call) {
                calls.addObject().put("id", call.id()).put("type", "function").putObject("function")
                        .put("name", call.name()).put("arguments", call.arguments());
            } else if (event instanceof ProviderEvent.Usage u) {
                usage = u;
            } else if (event instanceof ProviderEvent.Finish f) {
                finish = f.reason();
            }
        }
        ObjectNode completion = Json.MAPPER.createObjectNode().put("id", id).put("object", "chat.completion")
                .put("created", created).put("model", model);
        ObjectNode choice = completion.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (text.length() > 0 || calls.isEmpty()) {
            message.put("content", text.toString());
        } else {
            message.putNull("content");
        }
        message.putNull("refusal");
        if (reasoning.length() > 0) {
            message.put("reasoning_content", reasoning.toString());
        }
        if (!calls.isEmpty()) {
            message.set("tool_calls", calls);
        }
        if (logprobs == null) {
            choice.putNull("logprobs");
        } else {
            choice.putObject("logprobs").set("content", logprobs);
        }
        choice.put("finish_reason", finish);
        completion.set("usage", usage(usage));
        return Json.write(completion);
    }

    private static ObjectNode usage(ProviderEvent.Usage usage) {
        ObjectNode node = Json.MAPPER.createObjectNode().put("prompt_tokens", usage.inputTokens())
                .put("completion_tokens", usage.outputTokens())
                .put("total_tokens", usage.inputTokens() + usage.outputTokens());
        node.putObject("prompt_tokens_details").put("cached_tokens", usage.cachedInputTokens());
        return node;
    }

    /** OpenAI's error body and the HTTP status for a failure. */
    static int status(Throwable failure) {
        if (failure instanceof FrontDoorRequest request) {
            return request.status;
        }
        if (!(failure instanceof ProviderException e)) {
            return 500;
        }
        switch (e.kind()) {
            case UNKNOWN_MODEL:
            case NOT_FOUND:
                return 404;
            case INVALID_REQUEST:
            case CONTEXT_LENGTH_EXCEEDED:
                return 400;
            case RATE_LIMITED:
            case BUDGET_EXCEEDED:
                return 429;
            case UNAVAILABLE:
            case OVERLOADED:
            case LEDGER_UNAVAILABLE:
                return 503;
            case TIMEOUT:
                return 504;
            default:
                return 502;
        }
    }

    static String error(Throwable failure) {
        String type;
        String code;
        if (failure instanceof ProviderException e) {
            code = e.kind().code;
            type = e.kind().retryable ? "server_error" : "invalid_request_error";
        } else if (failure instanceof FrontDoorRequest request) {
            code = request.code;
            type = request.status == 429 ? "rate_limit_error" : "invalid_request_error";
        } else {
            code = "internal_error";
            type = "server_error";
        }
        ObjectNode error = Json.MAPPER.createObjectNode();
        error.putObject("error").put("message", failure.getMessage()).put("type", type).putNull("param")
                .put("code", code);
        return Json.write(error);
    }
}

package io.switchboard.gateway.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Multi;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ContentPart;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.contracts.llm.GenerationSettings.ToolChoice;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.contracts.llm.ToolSpec;
import io.switchboard.gateway.provider.ChatProvider;
import io.switchboard.gateway.provider.Json;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.SseEvents;
import io.switchboard.gateway.provider.Unsupported;
import io.switchboard.gateway.provider.Upstream;
import io.switchboard.gateway.routing.Deployment;
import java.util.List;
import java.util.Map;

/**
 * Anthropic Messages ({@code POST /v1/messages}, streamed); {@code baseUrl} is the host, e.g.
 * {@code https://api.anthropic.com}. System messages go to the top-level {@code system}; tool results go back in a user
 * message as {@code tool_result} blocks; consecutive messages of one role are merged, as the API requires.
 */
public class AnthropicProvider implements ChatProvider {
    static final String VERSION = "2023-06-01";
    private static final int DEFAULT_MAX_TOKENS = 4096;

    private final Deployment deployment;
    private final Upstream upstream;
    private final Map<String, String> headers;

    public AnthropicProvider(Deployment deployment, Upstream upstream) {
        this.deployment = deployment;
        this.upstream = upstream;
        this.headers = Map.of("x-api-key", deployment.apiKey() == null ? "" : deployment.apiKey(),
                "anthropic-version", VERSION);
    }

    @Override
    public String name() {
        return "anthropic";
    }

    @Override
    public Multi<ProviderEvent> stream(LlmRequest request) {
        return Multi.createFrom().deferred(() -> {
            AnthropicStreamParser parser = new AnthropicStreamParser();
            return upstream.postForEvents("v1/messages", headers, body(request),
                    SseEvents.decoder(parser::accept, parser::end));
        });
    }

    String body(LlmRequest request) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", deployment.model());
        GenerationSettings settings = request.settings();
        Unsupported.check(deployment, settings);
        // required by the API: the client's, else the deployment's, else ours (beyond a thinking budget, which counts
        // in it)
        int answer = deployment.maxTokens() > 0 ? deployment.maxTokens() : DEFAULT_MAX_TOKENS;
        body.put("max_tokens", settings.maxOutputTokens() != null ? settings.maxOutputTokens()
                : settings.thinkingBudget() != null ? settings.thinkingBudget() + answer : answer);
        body.put("stream", true);
        putSettings(body, settings, request.tools() != null && !request.tools().isEmpty());
        StringBuilder system = new StringBuilder();
        ArrayNode systemBlocks = Json.MAPPER.createArrayNode(); // when a breakpoint is among them
        boolean systemBreakpoints = request.messages().stream()
                .anyMatch(m -> m.role().equals("system") && m.cacheBreakpoint());
        ArrayNode messages = body.putArray("messages");
        ObjectNode current = null;
        for (ChatMessage m : request.messages()) {
            if (m.role().equals("system")) {
                if (m.content() != null && !m.content().isBlank()) {
                    system.append(system.length() == 0 ? "" : "\n\n").append(m.content());
                    ObjectNode block = systemBlocks.addObject().put("type", "text").put("text", m.content());
                    if (m.cacheBreakpoint()) {
                        block.putObject("cache_control").put("type", "ephemeral");
                    }
                }
                continue;
            }
            String role = m.role().equals("assistant") ? "assistant" : "user";
            if (current == null || !current.get("role").asText().equals(role)) {
                current = messages.addObject().put("role", role);
                current.putArray("content");
            }
            ArrayNode content = (ArrayNode) current.get("content");
            int before = content.size();
            if (m.role().equals("tool")) {
                ObjectNode result = content.addObject().put("type", "tool_result").put("tool_use_id", m.toolCallId());
                if (m.hasMedia()) {
                    putParts(result.putArray("content"), m.parts());
                } else {
                    result.put("content", m.content());
                }
                markBreakpoint(content, before, m);
                continue;
            }
            if (m.hasThinking()) { // first, as Anthropic wants its signed thinking back before the rest
                for (ContentPart part : m.parts()) {
                    if (part.type().equals(ContentPart.THINKING)) {
                        content.addObject().put("type", "thinking").put("thinking", part.text())
                                .put("signature", part.signature());
                    }
                }
            }
            if (m.hasMedia()) {
                putParts(content, m.parts());
            } else if (m.content() != null && !m.content().isEmpty()) {
                content.addObject().put("type", "text").put("text", m.content());
            }
            if (m.toolCalls() != null) {
                for (ToolCall call : m.toolCalls()) {
                    content.addObject().put("type", "tool_use").put("id", call.id()).put("name", call.name())
                            .set("input", Json.object(call.arguments()));
                }
            }
            markBreakpoint(content, before, m);
        }
        int systemLength = system.length();
        putFormat(body, request.responseFormat(), system);
        if (systemBreakpoints) {
            if (system.length() > systemLength) { // putFormat's instruction for JSON mode
                systemBlocks.addObject().put("type", "text").put("text", JSON_ONLY);
            }
            body.set("system", systemBlocks);
        } else if (system.length() > 0) {
            body.put("system", system.toString());
        }
        if (request.tools() != null && !request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (ToolSpec tool : request.tools()) {
                tools.addObject().put("name", tool.name()).put("description", tool.description())
                        .set("input_schema", Json.MAPPER.valueToTree(tool.parameters()));
            }
        }
        return Json.write(body);
    }

    /** A prompt-cache breakpoint on the last block written for {@code m}, if it asked for one. */
    private static void markBreakpoint(ArrayNode content, int before, ChatMessage m) {
        if (m.cacheBreakpoint() && content.size() > before) {
            ((ObjectNode) content.get(content.size() - 1)).putObject("cache_control").put("type", "ephemeral");
        }
    }

    /** Text, image and document blocks, each from base64 data or a URL. */
    private static void putParts(ArrayNode content, List<ContentPart> parts) {
        for (ContentPart part : parts) {
            if (part.type().equals(ContentPart.TEXT)) {
                if (part.text() != null && !part.text().isEmpty()) {
                    content.addObject().put("type", "text").put("text", part.text());
                }
                continue;
            }
            if (part.type().equals(ContentPart.THINKING)) {
                continue; // written first
            }
            ObjectNode source = content.addObject().put("type", part.type()).putObject("source");
            if (part.inline()) {
                source.put("type", "base64").put("media_type", part.mediaType()).put("data", part.data());
            } else {
                source.put("type", "url").put("url", part.url());
            }
        }
    }

    /** Messages' own fields; {@code user} is {@code metadata.user_id}, the only metadata the API takes. */
    static void putSettings(ObjectNode body, GenerationSettings settings, boolean tools) {
        Json.putIfSet(body, "temperature", settings.temperature());
        Json.putIfSet(body, "top_p", settings.topP());
        Json.putIfSet(body, "top_k", settings.topK());
        Json.putIfSet(body, "stop_sequences", settings.stop() == null || settings.stop().isEmpty() ? null
                : settings.stop());
        if (settings.thinkingBudget() != null) {
            body.putObject("thinking").put("type", "enabled").put("budget_tokens", settings.thinkingBudget());
        }
        if (settings.user() != null) {
            body.putObject("metadata").put("user_id", settings.user());
        }
        if (settings.reasoningEffort() != null) {
            // Anthropic's levels start at low
            String effort = settings.reasoningEffort();
            outputConfig(body).put("effort", effort.equals("none") || effort.equals("minimal") ? "low" : effort);
        }
        ToolChoice choice = settings.toolChoice();
        boolean oneAtATime = Boolean.FALSE.equals(settings.parallelToolCalls());
        if (tools && (choice != null || oneAtATime)) { // refused upstream without tools
            String mode = choice == null ? "auto" : choice.mode();
            ObjectNode toolChoice = body.putObject("tool_choice").put("type", mode.equals("required") ? "any" : mode);
            if (mode.equals("tool")) {
                toolChoice.put("name", choice.name());
            }
            if (oneAtATime && !mode.equals("none")) {
                toolChoice.put("disable_parallel_tool_use", true);
            }
        }
    }

    /**
     * OpenAI's {@code response_format} in Anthropic's terms: a JSON Schema becomes {@code output_config.format}
     * (structured outputs); plain JSON mode, which Anthropic does not have, becomes an instruction in the system prompt.
     */
    static void putFormat(ObjectNode body, Map<String, Object> responseFormat, StringBuilder system) {
        if (responseFormat == null) {
            return;
        }
        JsonNode format = Json.MAPPER.valueToTree(responseFormat);
        JsonNode schema = format.path("json_schema").path("schema");
        if ("json_schema".equals(Json.text(format, "type")) && schema.isObject()) {
            outputConfig(body).putObject("format").put("type", "json_schema").set("schema", schema);
        } else if ("json_object".equals(Json.text(format, "type"))) {
            system.append(system.length() == 0 ? "" : "\n\n").append(JSON_ONLY);
        }
    }

    private static ObjectNode outputConfig(ObjectNode body) {
        return body.has("output_config") ? (ObjectNode) body.get("output_config") : body.putObject("output_config");
    }

    static final String JSON_ONLY = "Answer with one JSON object and nothing else.";
}

package io.switchboard.gateway.provider.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Multi;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ContentPart;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.gateway.provider.ChatProvider;
import io.switchboard.gateway.provider.Json;
import io.switchboard.gateway.provider.LineDecoder;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException;
import io.switchboard.gateway.provider.Unsupported;
import io.switchboard.gateway.provider.Upstream;
import io.switchboard.gateway.provider.openai.OpenAiProvider;
import io.switchboard.gateway.routing.Deployment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Ollama's native chat API ({@code POST /api/chat}): NDJSON, one object per line, the last with {@code done: true} and
 * the counts. Tool calls arrive whole, with arguments as an object and no id (one is made up: {@code call_<n>}).
 */
public class OllamaProvider implements ChatProvider {
    private final Deployment deployment;
    private final Upstream upstream;

    public OllamaProvider(Deployment deployment, Upstream upstream) {
        this.deployment = deployment;
        this.upstream = upstream;
    }

    @Override
    public String name() {
        return "ollama";
    }

    @Override
    public Multi<ProviderEvent> stream(LlmRequest request) {
        return Multi.createFrom().deferred(() -> {
            Parser parser = new Parser();
            return upstream.postForEvents("api/chat", Map.of(), body(request), LineDecoder.of(
                    line -> line.isBlank() ? List.of() : parser.accept(line), parser::end));
        });
    }

    /** {@code POST /api/embed}: {@code embeddings}, one per input, and {@code prompt_eval_count}. */
    @Override
    public Multi<ProviderEvent> embed(EmbeddingRequest request) {
        return Multi.createFrom().deferred(() -> {
            String body = Json.write(ChatProvider.embeddingsBody(deployment.model(), request));
            return upstream.postForJson("api/embed", Map.of(), body).onItem().transformToMulti(answer -> {
                List<float[]> vectors = new ArrayList<>();
                for (JsonNode vector : answer.path("embeddings")) {
                    vectors.add(OpenAiProvider.floats(vector));
                }
                return ChatProvider.embedded(request, vectors, answer.path("prompt_eval_count").asInt());
            });
        });
    }

    String body(LlmRequest request) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", deployment.model());
        body.put("stream", true);
        GenerationSettings settings = request.settings();
        putSettings(body, settings);
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : request.messages()) {
            ObjectNode message = messages.addObject().put("role", m.role()).put("content",
                    m.content() == null ? "" : m.content());
            if (m.hasMedia()) {
                putImages(message, m.parts());
            }
            if (m.toolCalls() != null && !m.toolCalls().isEmpty()) {
                ArrayNode calls = message.putArray("tool_calls");
                for (ToolCall call : m.toolCalls()) {
                    calls.addObject().putObject("function").put("name", call.name())
                            .set("arguments", Json.object(call.arguments()));
                }
            }
        }
        // tool_choice none is honoured by offering no tools
        if (settings.toolChoice() == null || !settings.toolChoice().mode().equals("none")) {
            OpenAiProvider.putTools(body, request.tools());
        }
        putFormat(body, request.responseFormat());
        return Json.write(body);
    }

    /** Ollama takes images as base64 beside the text, and no documents; it fetches no URL. */
    private static void putImages(ObjectNode message, List<ContentPart> parts) {
        ArrayNode images = message.putArray("images");
        for (ContentPart part : parts) {
            if (part.type().equals(ContentPart.DOCUMENT)) {
                throw new ProviderException(ProviderException.Kind.INVALID_REQUEST, 400,
                        "Ollama takes no documents: send their text instead", null);
            }
            if (part.type().equals(ContentPart.IMAGE)) {
                if (!part.inline()) {
                    throw new ProviderException(ProviderException.Kind.INVALID_REQUEST, 400,
                            "Ollama fetches no image URLs: send the image's bytes (a data: URL or base64)", null);
                }
                images.add(part.data());
            }
        }
    }

    /**
     * Sampling goes in {@code options}; {@code reasoning_effort} is {@code think} (true, or a level for the models that
     * have levels). Ollama cannot be made to call a tool, nor told to call one at a time, and has no thinking budget.
     */
    private void putSettings(ObjectNode body, GenerationSettings settings) {
        Unsupported.check(deployment, settings);
        ObjectNode options = Json.MAPPER.createObjectNode();
        Json.putIfSet(options, "num_predict", settings.maxOutputTokens() != null ? settings.maxOutputTokens()
                : deployment.maxTokens() > 0 ? Integer.valueOf(deployment.maxTokens()) : null);
        Json.putIfSet(options, "temperature", settings.temperature());
        Json.putIfSet(options, "top_p", settings.topP());
        Json.putIfSet(options, "top_k", settings.topK());
        Json.putIfSet(options, "stop", settings.stop() == null || settings.stop().isEmpty() ? null : settings.stop());
        Json.putIfSet(options, "seed", settings.seed());
        Json.putIfSet(options, "presence_penalty", settings.presencePenalty());
        Json.putIfSet(options, "frequency_penalty", settings.frequencyPenalty());
        if (!options.isEmpty()) {
            body.set("options", options);
        }
        if (settings.reasoningEffort() != null) {
            // think: false, or a level of low, medium or high
            switch (settings.reasoningEffort()) {
                case "none":
                case "minimal":
                    body.put("think", false);
                    break;
                case "xhigh":
                case "max":
                    body.put("think", "high");
                    break;
                default:
                    body.put("think", settings.reasoningEffort());
            }
        }
    }

    /** Ollama's {@code format}: {@code "json"}, or the JSON Schema the answer must follow. */
    static void putFormat(ObjectNode body, java.util.Map<String, Object> responseFormat) {
        if (responseFormat == null) {
            return;
        }
        JsonNode format = Json.MAPPER.valueToTree(responseFormat);
        JsonNode schema = format.path("json_schema").path("schema");
        if ("json_schema".equals(Json.text(format, "type")) && schema.isObject()) {
            body.set("format", schema);
        } else if ("json_object".equals(Json.text(format, "type"))) {
            body.put("format", "json");
        }
    }

    /** Reads NDJSON lines; the stream must end with a {@code done: true} line. */
    static final class Parser {
        private boolean done;
        private int calls;

        List<ProviderEvent> accept(String line) {
            JsonNode chunk = Json.read(line);
            if (chunk.hasNonNull("error")) {
                throw new ProviderException(ProviderException.kindOf(500, chunk.get("error").asText()),
                        "the provider reported an error mid-stream: " + chunk.get("error").asText());
            }
            List<ProviderEvent> events = new ArrayList<>(1);
            JsonNode message = chunk.path("message");
            String thinking = Json.text(message, "thinking");
            if (thinking != null && !thinking.isEmpty()) {
                events.add(new ProviderEvent.ReasoningDelta(thinking));
            }
            String content = Json.text(message, "content");
            if (content != null && !content.isEmpty()) {
                events.add(new ProviderEvent.TextDelta(content));
            }
            for (JsonNode call : message.path("tool_calls")) {
                JsonNode function = call.path("function");
                String id = Json.text(call, "id");
                events.add(new ProviderEvent.ToolCall(id != null ? id : "call_" + calls,
                        Json.text(function, "name"), function.path("arguments").isObject()
                        ? Json.write(function.path("arguments")) : "{}"));
                calls++;
            }
            if (chunk.path("done").asBoolean()) {
                done = true;
                events.add(new ProviderEvent.Usage(chunk.path("prompt_eval_count").asInt(),
                        chunk.path("eval_count").asInt(), 0));
                String reason = Json.text(chunk, "done_reason");
                events.add(new ProviderEvent.Finish(calls > 0 ? "tool_calls"
                        : "length".equals(reason) ? "length" : "stop"));
            }
            return events;
        }

        List<ProviderEvent> end() {
            if (!done) {
                throw new ProviderException(ProviderException.Kind.STREAM_INTERRUPTED,
                        "the stream ended before done");
            }
            return List.of();
        }
    }
}

package io.switchboard.gateway.provider.openai;

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
import io.switchboard.gateway.provider.LineDecoder;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException;
import io.switchboard.gateway.provider.SseEvents;
import io.switchboard.gateway.provider.Unsupported;
import io.switchboard.gateway.provider.Upstream;
import io.switchboard.gateway.routing.Deployment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI Chat Completions ({@code POST /chat/completions}, streamed) and every server that speaks it (vLLM,
 * llama.cpp, LM Studio, hosted ones): {@code baseUrl} includes the version path, e.g. {@code https://api.openai.com/v1}.
 */
public class OpenAiProvider implements ChatProvider {
    private final Deployment deployment;
    private final Upstream upstream;
    private final Map<String, String> headers = new HashMap<>();

    public OpenAiProvider(Deployment deployment, Upstream upstream) {
        this.deployment = deployment;
        this.upstream = upstream;
        if (deployment.apiKey() != null && !deployment.apiKey().isBlank()) {
            headers.put("Authorization", "Bearer " + deployment.apiKey());
        }
    }

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public Multi<ProviderEvent> stream(LlmRequest request) {
        return stream(request, false);
    }

    @Override
    public Multi<ProviderEvent> stream(LlmRequest request, boolean asSent) {
        return Multi.createFrom().deferred(
                () -> upstream.postForEvents("chat/completions", headers, body(request), decoder(asSent)));
    }

    /** {@code POST /embeddings}; vectors are asked for as floats. */
    @Override
    public Multi<ProviderEvent> embed(EmbeddingRequest request) {
        return Multi.createFrom().deferred(() -> {
            ObjectNode body = ChatProvider.embeddingsBody(deployment.model(), request).put("encoding_format", "float");
            return upstream.postForJson("embeddings", headers, Json.write(body)).onItem().transformToMulti(answer -> {
                List<float[]> vectors = new ArrayList<>();
                for (JsonNode item : answer.path("data")) {
                    vectors.add(floats(item.path("embedding")));
                }
                return ChatProvider.embedded(request, vectors, answer.path("usage").path("prompt_tokens").asInt());
            });
        });
    }

    /** A JSON array of numbers as floats. */
    public static float[] floats(JsonNode array) {
        float[] vector = new float[array.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) array.get(i).asDouble();
        }
        return vector;
    }

    /** Reads one streamed Chat Completion's body; with each chunk as it was sent too when {@code asSent}. */
    public static LineDecoder decoder(boolean asSent) {
        OpenAiStreamParser parser = new OpenAiStreamParser(asSent);
        return SseEvents.decoder(event -> parser.accept(event.data()), parser::end);
    }

    String body(LlmRequest request) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("model", deployment.model());
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        putSettings(body, request.settings(), request.tools() != null && !request.tools().isEmpty());
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : request.messages()) {
            ObjectNode message = messages.addObject().put("role", m.role());
            if (m.toolCalls() != null && !m.toolCalls().isEmpty()) {
                message.put("content", m.content() == null || m.content().isEmpty() ? null : m.content());
                ArrayNode calls = message.putArray("tool_calls");
                for (ToolCall call : m.toolCalls()) {
                    calls.addObject().put("id", call.id()).put("type", "function").putObject("function")
                            .put("name", call.name()).put("arguments", call.arguments());
                }
            } else if (m.hasMedia()) {
                if (m.role().equals("tool")) {
                    throw new ProviderException(ProviderException.Kind.INVALID_REQUEST, 400, "Chat Completions takes"
                            + " no images or files in a tool's result: this conversation needs an Anthropic model", null);
                }
                putParts(message.putArray("content"), m.parts());
            } else {
                message.put("content", m.content());
            }
            if (m.toolCallId() != null) {
                message.put("tool_call_id", m.toolCallId());
            }
        }
        putTools(body, request.tools());
        if (request.responseFormat() != null) {
            body.set("response_format", Json.MAPPER.valueToTree(request.responseFormat()));
        }
        return Json.write(body);
    }

    /**
     * Chat Completions' own fields. OpenAI's API has no {@code top_k} and no thinking budget (it takes
     * {@code reasoning_effort}); servers that merely speak its format (vLLM, llama.cpp) do take {@code top_k}.
     */
    private void putSettings(ObjectNode body, GenerationSettings settings, boolean tools) {
        boolean openAi = deployment.provider().equals("openai");
        Unsupported.check(deployment, settings);
        // OpenAI's own field; the servers that speak its format know the older max_tokens better
        Json.putIfSet(body, openAi ? "max_completion_tokens" : "max_tokens", settings.maxOutputTokens() != null
                ? settings.maxOutputTokens() : deployment.maxTokens() > 0 ? Integer.valueOf(deployment.maxTokens())
                : null);
        Json.putIfSet(body, "temperature", settings.temperature());
        Json.putIfSet(body, "top_p", settings.topP());
        if (!openAi) {
            Json.putIfSet(body, "top_k", settings.topK());
        }
        Json.putIfSet(body, "stop", settings.stop() == null || settings.stop().isEmpty() ? null : settings.stop());
        Json.putIfSet(body, "seed", settings.seed());
        Json.putIfSet(body, "presence_penalty", settings.presencePenalty());
        Json.putIfSet(body, "frequency_penalty", settings.frequencyPenalty());
        Json.putIfSet(body, "reasoning_effort", settings.reasoningEffort());
        Json.putIfSet(body, "logprobs", settings.logprobs());
        Json.putIfSet(body, "top_logprobs", settings.topLogprobs());
        Json.putIfSet(body, "user", settings.user());
        // metadata is not sent: OpenAI takes it only with store: true, which would keep the conversation at OpenAI
        if (!tools) {
            return; // tool_choice and parallel_tool_calls without tools are refused upstream
        }
        Json.putIfSet(body, "parallel_tool_calls", settings.parallelToolCalls());
        ToolChoice choice = settings.toolChoice();
        if (choice != null) {
            if (choice.mode().equals("tool")) {
                body.putObject("tool_choice").put("type", "function").putObject("function").put("name", choice.name());
            } else {
                body.put("tool_choice", choice.mode());
            }
        }
    }

    /**
     * Text, images ({@code image_url}: a URL or a data: URL) and files ({@code file}, inline only). An image by URL
     * goes to OpenAI only: a server that merely speaks its format (vLLM) would fetch the URL itself, from inside the
     * operator's network, for whoever holds a key.
     */
    private void putParts(ArrayNode content, List<ContentPart> parts) {
        for (ContentPart part : parts) {
            switch (part.type()) {
                case ContentPart.IMAGE:
                    if (!part.inline() && !deployment.provider().equals("openai")) {
                        throw new ProviderException(ProviderException.Kind.INVALID_REQUEST, 400, "this OpenAI-"
                                + "compatible server would fetch the image's URL from inside your network: send the"
                                + " image's bytes (a data: URL) instead", null);
                    }
                    ObjectNode image = content.addObject().put("type", "image_url").putObject("image_url")
                            .put("url", part.inline() ? part.dataUrl() : part.url());
                    Json.putIfSet(image, "detail", part.detail());
                    break;
                case ContentPart.DOCUMENT:
                    if (!part.inline()) {
                        throw new ProviderException(ProviderException.Kind.INVALID_REQUEST, 400,
                                "OpenAI takes documents inline only, not by URL: send the file's bytes", null);
                    }
                    content.addObject().put("type", "file").putObject("file").put("filename",
                            "application/pdf".equals(part.mediaType()) ? "document.pdf" : "document")
                            .put("file_data", part.dataUrl());
                    break;
                default:
                    content.addObject().put("type", "text").put("text", part.text());
            }
        }
    }

    /** Tools in OpenAI's shape ({@code type: function}), which Ollama takes too. */
    public static void putTools(ObjectNode body, List<ToolSpec> specs) {
        if (specs == null || specs.isEmpty()) {
            return;
        }
        ArrayNode tools = body.putArray("tools");
        for (ToolSpec tool : specs) {
            ObjectNode function = tools.addObject().put("type", "function").putObject("function");
            function.put("name", tool.name()).put("description", tool.description());
            function.set("parameters", Json.MAPPER.valueToTree(tool.parameters()));
        }
    }
}

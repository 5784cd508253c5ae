package io.switchboard.gateway.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.gateway.provider.Json;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tree-reading parser the streaming one replaced, kept as the reference it is checked against (it learned to read
 * {@code logprobs} when the streaming one did).
 *
 * Reads the {@code data:} payloads of a streamed Chat Completion. Tool calls arrive in fragments keyed by
 * {@code index}; they are merged and given out whole when the choice finishes. Usage comes in a chunk of its own with
 * {@code choices: []} (or null, from some compatible servers).
 */
final class TreeStreamParser {
    private final Map<Integer, PartialCall> calls = new TreeMap<>();
    private String finishReason;
    private boolean done;

    List<ProviderEvent> accept(String data) {
        if (data.equals("[DONE]")) {
            done = true;
            return List.of();
        }
        JsonNode chunk = Json.read(data);
        if (chunk.hasNonNull("error")) {
            throw Json.inBandError(chunk.get("error"));
        }
        List<ProviderEvent> events = new ArrayList<>(1);
        JsonNode choices = chunk.get("choices");
        if (choices != null && choices.isArray() && !choices.isEmpty()) {
            JsonNode choice = choices.get(0);
            JsonNode delta = choice.path("delta");
            String reasoning = Json.text(delta, "reasoning_content");
            if (reasoning == null) {
                reasoning = Json.text(delta, "reasoning");
            }
            if (reasoning != null && !reasoning.isEmpty()) {
                events.add(new ProviderEvent.ReasoningDelta(reasoning));
            }
            String content = Json.text(delta, "content");
            if (content != null && !content.isEmpty()) {
                // read since logprobs are relayed: the log probabilities of the text, as sent
                JsonNode logprobs = choice.path("logprobs").path("content");
                events.add(new ProviderEvent.TextDelta(content, logprobs.isArray() ? Json.write(logprobs) : null));
            }
            for (JsonNode fragment : delta.path("tool_calls")) {
                PartialCall call = calls.computeIfAbsent(fragment.path("index").asInt(), i -> new PartialCall());
                String id = Json.text(fragment, "id");
                if (id != null) {
                    call.id = id;
                }
                JsonNode function = fragment.path("function");
                String name = Json.text(function, "name");
                if (name != null) {
                    call.name = name;
                }
                String arguments = Json.text(function, "arguments");
                if (arguments != null) {
                    call.arguments.append(arguments);
                }
            }
            String finish = Json.text(choice, "finish_reason");
            if (finish != null) {
                finishReason = finish;
                for (PartialCall call : calls.values()) {
                    events.add(call.complete());
                }
                calls.clear();
            }
        }
        JsonNode usage = chunk.get("usage");
        if (usage != null && usage.isObject()) {
            events.add(new ProviderEvent.Usage(usage.path("prompt_tokens").asInt(),
                    usage.path("completion_tokens").asInt(),
                    usage.path("prompt_tokens_details").path("cached_tokens").asInt()));
        }
        return events;
    }

    List<ProviderEvent> end() {
        if (finishReason == null) {
            throw new ProviderException(ProviderException.Kind.STREAM_INTERRUPTED,
                    done ? "the stream ended without a finish reason" : "the stream ended before it finished");
        }
        return List.of(new ProviderEvent.Finish(finishReason));
    }

    private static final class PartialCall {
        String id;
        String name;
        final StringBuilder arguments = new StringBuilder();

        ProviderEvent.ToolCall complete() {
            return new ProviderEvent.ToolCall(id, name, arguments.length() == 0 ? "{}" : arguments.toString());
        }
    }
}

package io.switchboard.gateway.provider.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.gateway.provider.Json;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the {@code data:} payloads of a streamed Chat Completion. Tool calls arrive in fragments keyed by
 * {@code index}; they are merged and given out whole when the choice finishes. Usage comes in a chunk of its own with
 * {@code choices: []} (or null, from some compatible servers). Each chunk is read token by token, keeping only the
 * fields it needs (no tree per chunk: this runs for every token); the first choice is the answer. It reads what the
 * tree-reading parser it replaced read ({@code StreamParserEquivalenceTest}), except for input no provider sends: a
 * number where text belongs is taken as written, a count beyond an int fails the chunk, a repeated key is read each
 * time it comes.
 *
 * <p>Asked to ({@code asSent}), it also gives each chunk as it came ({@link ProviderEvent.Verbatim}) before what was
 * read from it. Until the first chunk that gives an event, those that gave none (the {@code role} chunk, tool-call
 * fragments) wait for it, up to {@link #MAX_HELD_CHARS}: an attempt that fails before its first event can still be
 * retried, or its call moved to another deployment, as when nothing is passed on. A chunk must then be one JSON
 * value and nothing more.
 */
final class OpenAiStreamParser {
    /**
     * The most chunk text held before the first event (a long tool call's fragments): past it they go out, and the
     * attempt has started for the router.
     */
    static final int MAX_HELD_CHARS = 256 * 1024;
    private final boolean asSent;
    /** Chunks as sent that gave no event yet, in order, while none has. */
    private final List<ProviderEvent> held = new ArrayList<>();
    private int heldChars;
    private boolean given;
    private final Map<Integer, PartialCall> calls = new TreeMap<>();
    private String finishReason;
    private boolean done;

    /** What one chunk carries, in the order its events are given out whatever the order of its fields. */
    private static final class Chunk {
        String reasoningContent;
        String reasoning;
        String content;
        String logprobs;
        String finish;
        ProviderEvent.Usage usage;
        boolean choice;
    }

    OpenAiStreamParser(boolean asSent) {
        this.asSent = asSent;
    }

    List<ProviderEvent> accept(String data) {
        if (data.equals("[DONE]")) {
            done = true;
            return List.of();
        }
        Chunk chunk = new Chunk();
        try (JsonParser json = Json.MAPPER.createParser(data)) {
            if (json.nextToken() != JsonToken.START_OBJECT) {
                json.skipChildren();
                return List.of();
            }
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                if (field.equals("choices") && value == JsonToken.START_ARRAY) {
                    readChoices(json, chunk);
                } else if (field.equals("usage") && value == JsonToken.START_OBJECT) {
                    chunk.usage = readUsage(json);
                } else if (field.equals("error") && value != JsonToken.VALUE_NULL) {
                    throw Json.inBandError(Json.MAPPER.readTree(json));
                } else {
                    json.skipChildren();
                }
            }
            if (asSent && json.nextToken() != null) { // passed on as it is, it must be what was read
                throw new ProviderException(ProviderException.Kind.STREAM_INTERRUPTED,
                        "the provider sent a chunk with more than one JSON value");
            }
        } catch (JsonProcessingException e) {
            throw new ProviderException(ProviderException.Kind.STREAM_INTERRUPTED,
                    "the provider sent unreadable JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ProviderException(ProviderException.Kind.STREAM_INTERRUPTED, e.getMessage());
        }
        return events(data, chunk);
    }

    private List<ProviderEvent> events(String data, Chunk chunk) {
        List<ProviderEvent> events = new ArrayList<>(asSent ? 2 : 1);
        String reasoning = chunk.reasoningContent != null ? chunk.reasoningContent : chunk.reasoning;
        if (reasoning != null && !reasoning.isEmpty()) {
            events.add(new ProviderEvent.ReasoningDelta(reasoning));
        }
        if (chunk.content != null && !chunk.content.isEmpty()) {
            events.add(new ProviderEvent.TextDelta(chunk.content, chunk.logprobs));
        }
        if (chunk.finish != null) {
            finishReason = chunk.finish;
            for (PartialCall call : calls.values()) {
                events.add(call.complete());
            }
            calls.clear();
        }
        if (chunk.usage != null) {
            events.add(chunk.usage);
        }
        if (!asSent) {
            return events;
        }
        ProviderEvent.Verbatim sent = new ProviderEvent.Verbatim(data, chunk.usage != null && !chunk.choice);
        if (held.isEmpty() && (given || !events.isEmpty())) { // the usual case: nothing waiting
            given = true;
            events.add(0, sent);
            return events;
        }
        held.add(sent);
        heldChars += data.length();
        if (events.isEmpty() && heldChars <= MAX_HELD_CHARS) {
            return List.of();
        }
        return release(events);
    }

    /** The chunks held, then {@code events}; from then on nothing is held. */
    private List<ProviderEvent> release(List<ProviderEvent> events) {
        given = true;
        held.addAll(events);
        List<ProviderEvent> out = List.copyOf(held);
        held.clear();
        return out;
    }

    /** The first choice's delta and finish reason; the other choices are skipped. */
    private void readChoices(JsonParser json, Chunk chunk) throws IOException {
        JsonToken first = json.nextToken();
        if (first == JsonToken.START_OBJECT) {
            chunk.choice = true;
            while (json.nextToken() == JsonToken.FIELD_NAME) {
                String field = json.currentName();
                JsonToken value = json.nextToken();
                if (field.equals("delta") && value == JsonToken.START_OBJECT) {
                    readDelta(json, chunk);
                } else if (field.equals("finish_reason")) {
                    chunk.finish = text(json);
                } else if (field.equals("logprobs") && value == JsonToken.START_OBJECT) {
                    // only when asked for: kept as sent, for the front door to pass on
                    JsonNode content = Json.MAPPER.<JsonNode>readTree(json).get("content");
                    chunk.logprobs = content == null || !content.isArray() ? null : Json.write(content);
                } else {
                    json.skipChildren();
                }
            }
        } else {
            json.skipChildren();
        }
        if (first != JsonToken.END_ARRAY) {
            while (json.nextToken() != JsonToken.END_ARRAY) {
                json.skipChildren();
            }
        }
    }

    private void readDelta(JsonParser json, Chunk chunk) throws IOException {
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            JsonToken value = json.nextToken();
            switch (field) {
                case "content":
                    chunk.content = text(json);
                    break;
                case "reasoning_content":
                    chunk.reasoningContent = text(json);
                    break;
                case "reasoning":
                    chunk.reasoning = text(json);
                    break;
                case "tool_calls":
                    if (value == JsonToken.START_ARRAY) {
                        while (json.nextToken() != JsonToken.END_ARRAY) {
                            readToolCallFragment(json);
                        }
                    } else {
                        json.skipChildren();
                    }
                    break;
                default:
                    json.skipChildren();
            }
        }
    }

    /** Merges one fragment ({@code index}, {@code id}, {@code function.name}, {@code function.arguments}). */
    private void readToolCallFragment(JsonParser json) throws IOException {
        if (json.currentToken() != JsonToken.START_OBJECT) {
            json.skipChildren();
            return;
        }
        int index = 0;
        String id = null;
        String name = null;
        String arguments = null;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            JsonToken value = json.nextToken();
            if (field.equals("index")) {
                index = value.isScalarValue() ? json.getValueAsInt(0) : skip(json, 0);
            } else if (field.equals("id")) {
                id = text(json);
            } else if (field.equals("function") && value == JsonToken.START_OBJECT) {
                while (json.nextToken() == JsonToken.FIELD_NAME) {
                    String part = json.currentName();
                    json.nextToken();
                    if (part.equals("name")) {
                        name = text(json);
                    } else if (part.equals("arguments")) {
                        arguments = text(json);
                    } else {
                        json.skipChildren();
                    }
                }
            } else {
                json.skipChildren();
            }
        }
        PartialCall call = calls.computeIfAbsent(index, i -> new PartialCall());
        if (id != null) {
            call.id = id;
        }
        if (name != null) {
            call.name = name;
        }
        if (arguments != null) {
            call.arguments.append(arguments);
        }
    }

    private static ProviderEvent.Usage readUsage(JsonParser json) throws IOException {
        int input = 0;
        int output = 0;
        int cached = 0;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            String field = json.currentName();
            JsonToken value = json.nextToken();
            if (field.equals("prompt_tokens")) {
                input = value.isScalarValue() ? json.getValueAsInt(0) : skip(json, 0);
            } else if (field.equals("completion_tokens")) {
                output = value.isScalarValue() ? json.getValueAsInt(0) : skip(json, 0);
            } else if (field.equals("prompt_tokens_details") && value == JsonToken.START_OBJECT) {
                while (json.nextToken() == JsonToken.FIELD_NAME) {
                    String detail = json.currentName();
                    JsonToken detailValue = json.nextToken();
                    if (detail.equals("cached_tokens") && detailValue.isScalarValue()) {
                        cached = json.getValueAsInt(0);
                    } else {
                        json.skipChildren();
                    }
                }
            } else {
                json.skipChildren();
            }
        }
        return new ProviderEvent.Usage(input, output, cached);
    }

    /** The current value as text: null for JSON null, empty for an object or array (as a tree's text would be). */
    private static String text(JsonParser json) throws IOException {
        JsonToken token = json.currentToken();
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token.isStructStart()) {
            json.skipChildren();
            return "";
        }
        return json.getValueAsString();
    }

    private static int skip(JsonParser json, int value) throws IOException {
        json.skipChildren();
        return value;
    }

    List<ProviderEvent> end() {
        if (finishReason == null) {
            throw new ProviderException(ProviderException.Kind.STREAM_INTERRUPTED,
                    done ? "the stream ended without a finish reason" : "the stream ended before it finished");
        }
        return release(List.of(new ProviderEvent.Finish(finishReason)));
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

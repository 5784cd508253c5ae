package io.switchboard.gateway.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON reading and writing for the adapters; unreadable JSON from a provider is a broken stream. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    public static JsonNode read(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ProviderException(ProviderException.Kind.STREAM_INTERRUPTED,
                    "the provider sent unreadable JSON: " + e.getOriginalMessage());
        }
    }

    /** Parses a JSON object given as text (tool arguments); anything else becomes an empty object. */
    public static ObjectNode object(String text) {
        if (text == null || text.isBlank()) {
            return MAPPER.createObjectNode();
        }
        try {
            JsonNode node = MAPPER.readTree(text);
            return node instanceof ObjectNode object ? object : MAPPER.createObjectNode();
        } catch (JsonProcessingException e) {
            return MAPPER.createObjectNode();
        }
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The text of {@code field}, or null when it is missing or JSON null. */
    /** Sets {@code field} to {@code value}, unless it is null (a vendor's default is never overridden by a null). */
    public static void putIfSet(ObjectNode body, String field, Object value) {
        if (value != null) {
            body.set(field, MAPPER.valueToTree(value));
        }
    }

    public static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** A provider's in-band error object turned into an exception, classified by its type and message. */
    public static ProviderException inBandError(JsonNode error) {
        String type = String.valueOf(text(error, "type"));
        String message = String.valueOf(text(error, "message"));
        String code = String.valueOf(text(error, "code"));
        String all = (type + " " + code + " " + message).toLowerCase(java.util.Locale.ROOT);
        ProviderException.Kind kind = all.contains("overloaded") ? ProviderException.Kind.OVERLOADED
                : all.contains("rate_limit") || all.contains("rate limit") ? ProviderException.Kind.RATE_LIMITED
                : all.contains("context_length") ? ProviderException.Kind.CONTEXT_LENGTH_EXCEEDED
                : all.contains("invalid_request") ? ProviderException.Kind.INVALID_REQUEST
                : ProviderException.Kind.SERVER_ERROR;
        return new ProviderException(kind, "the provider reported an error mid-stream: " + type + ": " + message);
    }
}

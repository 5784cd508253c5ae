package io.switchboard.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.type.TypeFactory;
import jakarta.ws.rs.BadRequestException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.lang.reflect.RecordComponent;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * How the APIs read what clients send. Bodies: the service's ObjectMapper, but no number or boolean taken for text, no
 * string over {@value #MAX_STRING} characters or nesting over {@value #MAX_DEPTH} levels, and no string or property
 * name PostgreSQL cannot store (a NUL character; an unpaired surrogate, which is not Unicode) anywhere in the document,
 * free-form fields included. Path and query parameters: the same text check. {@link StrictJson} applies both to the
 * services' APIs; their problem+json mappers say what was refused with {@link #describe}.
 */
public final class ApiInput {
    static final int MAX_STRING = 1_000_000;
    static final int MAX_DEPTH = 100;
    private static final int MAX_DETAIL = 1000;
    public static final String JSON_ONLY = "the body must be JSON, sent with Content-Type: application/json";

    private ApiInput() {
    }

    /** A copy of {@code mapper} that reads as said above. */
    public static ObjectMapper strict(ObjectMapper mapper) {
        ObjectMapper api = mapper.copyWith(new GuardedFactory(mapper.getFactory()));
        api.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(MAX_STRING).maxNestingDepth(MAX_DEPTH).build());
        api.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        api.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        return api;
    }

    /** Why a path or query parameter is refused (PostgreSQL cannot store it), or null. */
    public static String refusedParameter(Map<String, List<String>> path, Map<String, List<String>> query) {
        String refused = refused("path parameter", path);
        return refused != null ? refused : refused("query parameter", query);
    }

    private static String refused(String what, Map<String, List<String>> parameters) {
        for (Map.Entry<String, List<String>> parameter : parameters.entrySet()) {
            for (String text : parameter.getValue()) {
                String refused = refused(parameter.getKey() + " " + text);
                if (refused != null) {
                    return what + " " + cut(parameter.getKey(), 40) + " " + refused;
                }
            }
        }
        return null;
    }

    /**
     * A whole-number query parameter ({@code fallback} when absent), or a 400 naming it: JAX-RS answers a query
     * parameter that does not convert with 404, as if the resource were not there.
     */
    public static long wholeNumber(String name, String value, long fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new BadRequestException("query parameter " + name + " must be a whole number, not \""
                    + cut(value, 40) + "\"");
        }
    }

    /** Why PostgreSQL would refuse this text, or null. */
    public static String refused(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return "contains a NUL character (\\u0000), which cannot be stored";
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return String.format("contains an unpaired surrogate (\\u%04x), which is not Unicode text", (int) c);
            }
        }
        return null;
    }

    /** The detail of the 400 for a body Jackson could not read: the field, and what was wrong with it. */
    public static String describe(JsonProcessingException e) {
        JsonProcessingException cause = e;
        // a parser's complaint met while filling a field comes wrapped in a mapping error that knows the field
        while (cause.getCause() instanceof JsonProcessingException inner) {
            cause = inner;
        }
        if (cause instanceof Refused) {
            return cut(cause.getOriginalMessage());
        }
        String what = what(cause);
        return cut(e instanceof JsonMappingException mapping ? path(mapping.getPath()) + ": " + what
                : e instanceof StreamReadException ? "the body is not valid JSON: " + what : "the body: " + what);
    }

    private static String what(JsonProcessingException e) {
        if (e instanceof MismatchedInputException mismatch) {
            return mismatch(mismatch);
        }
        if (e instanceof ValueInstantiationException && e.getCause() != null && e.getCause().getMessage() != null) {
            return e.getCause().getMessage(); // a constructor refused the value
        }
        return tidy(e);
    }

    private static String mismatch(MismatchedInputException e) {
        String expected = noun(declaredType(e));
        String got = e instanceof InvalidFormatException f && f.getValue() != null
                ? f.getValue() instanceof String s ? "\"" + cut(s, 40) + "\"" : String.valueOf(f.getValue())
                : e.getProcessor() instanceof Guard guard ? kind(guard.last) : null;
        if (expected == null || (got != null && got.endsWith(" " + expected))) {
            return tidy(e);
        }
        return "expected " + article(expected) + (got == null ? "" : ", got " + got);
    }

    /** The field's declared type when it is a record's component (to say "an array of strings"), else Jackson's. */
    private static JavaType declaredType(MismatchedInputException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        JsonMappingException.Reference last = path.isEmpty() ? null : path.get(path.size() - 1);
        if (last != null && last.getFieldName() != null && last.getFrom() != null) {
            Class<?> owner = last.getFrom() instanceof Class<?> c ? c : last.getFrom().getClass();
            for (RecordComponent component : owner.isRecord() ? owner.getRecordComponents() : new RecordComponent[0]) {
                if (component.getName().equals(last.getFieldName())) {
                    return TypeFactory.defaultInstance().constructType(component.getGenericType());
                }
            }
        }
        return e.getTargetType() == null ? null : TypeFactory.defaultInstance().constructType(e.getTargetType());
    }

    private static String noun(JavaType type) {
        if (type == null) {
            return null;
        }
        Class<?> c = type.getRawClass();
        if (type.isCollectionLikeType() || type.isArrayType()) {
            String element = type.getContentType().getRawClass() == Object.class ? null : noun(type.getContentType());
            if (element == null) {
                return "array";
            }
            return "array of " + (element.startsWith("array ") ? "arrays" + element.substring(5) : element + "s");
        }
        if (CharSequence.class.isAssignableFrom(c) || c.isEnum() || c == java.util.UUID.class) {
            return "string";
        }
        if (c == Boolean.class || c == boolean.class) {
            return "boolean";
        }
        if (c == Integer.class || c == int.class || c == Long.class || c == long.class || c == BigInteger.class) {
            return "integer";
        }
        return Number.class.isAssignableFrom(c) || c.isPrimitive() ? "number" : "object";
    }

    private static String kind(JsonToken token) {
        return token == null ? null : switch (token) {
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> null;
        };
    }

    private static String article(String noun) {
        return ("aeiou".indexOf(noun.charAt(0)) >= 0 ? "an " : "a ") + noun;
    }

    /** {@code limits.maxToolRounds}, {@code tools[0]}; "the body" for the document itself. */
    private static String path(List<JsonMappingException.Reference> references) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : references) {
            if (reference.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "the body" : path.toString();
    }

    /** The same for where a parser is. */
    private static String path(JsonStreamContext context) {
        StringBuilder path = new StringBuilder();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                path.insert(0, "[" + c.getCurrentIndex() + "]");
            } else if (c.getCurrentName() != null) {
                path.insert(0, "." + c.getCurrentName());
            }
        }
        return path.isEmpty() ? "the body" : path.charAt(0) == '.' ? path.substring(1) : path.toString();
    }

    public static String cut(String text) {
        return cut(text, MAX_DETAIL);
    }

    private static String cut(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max) + "…";
    }

    /** Jackson's message without the names of its settings. */
    private static String tidy(JsonProcessingException e) {
        return e.getOriginalMessage().replaceAll(", from `[^`]*`", "")
                .replaceAll("\\[Source: [^;]*; (line: \\d+, column: \\d+)]", "$1");
    }

    /** Text refused where it was read (PostgreSQL cannot store it, or it is too long), naming the field. */
    static final class Refused extends JsonParseException {
        Refused(JsonParser parser, String message) {
            super(parser, message);
        }
    }

    /** Checks each string and property name as it is read; remembers the last token, for "got a string". */
    static final class Guard extends JsonParserDelegate {
        JsonToken last;

        Guard(JsonParser parser) {
            super(parser);
        }

        @Override
        public JsonToken nextToken() throws IOException {
            last = super.nextToken();
            if (last == JsonToken.VALUE_STRING || last == JsonToken.FIELD_NAME) {
                String where = last == JsonToken.FIELD_NAME
                        ? "a property name in " + path(getParsingContext().getParent()) : path(getParsingContext());
                String refused;
                try {
                    refused = refused(getText());
                } catch (StreamConstraintsException e) {
                    throw new Refused(this, where + " is longer than " + MAX_STRING + " characters");
                }
                if (refused != null) {
                    throw new Refused(this, where + " " + refused);
                }
            }
            return last;
        }

        @Override
        public JsonToken nextValue() throws IOException {
            JsonToken token = nextToken();
            return token == JsonToken.FIELD_NAME ? nextToken() : token;
        }
    }

    private static final class GuardedFactory extends JsonFactory {
        GuardedFactory(JsonFactory original) {
            super(original, null);
        }

        @Override
        public JsonFactory copy() {
            return new GuardedFactory(this);
        }

        @Override
        protected JsonParser _createParser(InputStream in, IOContext context) throws IOException {
            return new Guard(super._createParser(in, context));
        }

        @Override
        protected JsonParser _createParser(Reader reader, IOContext context) throws IOException {
            return new Guard(super._createParser(reader, context));
        }

        @Override
        protected JsonParser _createParser(byte[] data, int offset, int length, IOContext context) throws IOException {
            return new Guard(super._createParser(data, offset, length, context));
        }

        @Override
        protected JsonParser _createParser(char[] data, int offset, int length, IOContext context, boolean recyclable)
                throws IOException {
            return new Guard(super._createParser(data, offset, length, context, recyclable));
        }
    }
}

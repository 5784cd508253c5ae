package io.switchboard.testing;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.TypeFactory;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Malformed requests to every endpoint of an API's JAX-RS resources, each of which must be answered 4xx
 * {@code application/problem+json} (RFC 9457) with a {@code detail}, naming the field where the fault is one field's.
 * The endpoints are read from the resource classes: a write endpoint (POST, PUT, PATCH) that takes a body needs a
 * valid example ({@link #body}), so a new one fails the test until it is given one, and is not silently skipped.
 *
 * <p>The corpus: broken JSON and invalid UTF-8; JSON that is not an object ({@code []}, {@code "str"}, {@code 5},
 * {@code null}, nothing, {@code {}}); each required field left out; for every field of the body's type, nested ones
 * and elements included, each wrong type, {@code null}, a NUL character, an unpaired surrogate, a 2 MB string and
 * 5,000 levels of nesting; no or a wrong Content-Type; and, for every endpoint, a NUL character in each path
 * parameter. A {@code null} for a field, or no Content-Type, may be accepted (or answered as the valid example is), but
 * is never a 5xx the valid example does not get.
 */
public final class BadInput {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String SURROGATE = "@@unpaired-surrogate@@";
    private static final String HUGE = "x".repeat(2 * 1024 * 1024);
    private static final int DEEP = 5000;
    /** A path parameter, {name} or {name: regex}. */
    private static final Pattern PARAMETER = Pattern.compile("\\{(\\w+)(?:\\s*:[^}]*)?}");

    /** An endpoint as its resource declares it; {@code body} is null when it takes none. */
    private record Endpoint(String method, String template, Type body) {
        String key() {
            return method + " " + template;
        }
    }

    private record Example(String path, JsonNode body, int status, List<String> required) {
    }

    /**
     * One request and what its answer must name; {@code mayPass}: it may be accepted, or answered as the valid example
     * is (a 5xx only then).
     */
    private record Case(String label, String contentType, byte[] body, String field, boolean mayPass) {
    }

    private final URI base;
    private final List<Endpoint> endpoints;
    private final Map<String, Example> examples = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<String> failures = new ArrayList<>();
    private int requests;

    /**
     * The endpoints of the JAX-RS resources in {@code resources}' package, under the API root {@code base}. Classes
     * are found in the module's {@code target/classes}.
     */
    public BadInput(URI base, Class<?> resources) {
        this.base = base;
        this.endpoints = endpoints(resources);
    }

    /**
     * A valid request to {@code endpoint} ({@code "PUT /api/tools/{name}"}): the concrete {@code path}, the
     * {@code body}, the status it gets, and the fields that must be present (left out, the answer must name them).
     */
    public BadInput body(String endpoint, String path, String body, int status, String... required) {
        try {
            examples.put(endpoint, new Example(path, JSON.readTree(body), status, List.of(required)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Sends the whole corpus; fails with every wrong answer at once. */
    public void check() {
        for (Endpoint endpoint : endpoints) {
            Example example = examples.get(endpoint.key());
            if (endpoint.body() != null && List.of("POST", "PUT", "PATCH").contains(endpoint.method())) {
                if (example == null) {
                    failures.add(endpoint.key() + ": no valid example; add one with body(...)");
                    continue;
                }
                send(endpoint, example.path(), new Case("the valid example", "application/json",
                        bytes(example.body()), null, true), example.status());
                for (Case c : corpus(endpoint.body(), example)) {
                    send(endpoint, example.path(), c, example.status());
                }
            }
            Matcher parameters = PARAMETER.matcher(endpoint.template());
            while (parameters.find()) {
                String path = endpoint.template().substring(0, parameters.start()) + "%00x"
                        + endpoint.template().substring(parameters.end());
                byte[] body = example == null ? null : bytes(example.body());
                send(endpoint, PARAMETER.matcher(path).replaceAll("x"), new Case("a NUL character in path parameter "
                        + parameters.group(1), "application/json", body, parameters.group(1), false), 0);
            }
        }
        examples.keySet().stream().filter(key -> endpoints.stream().noneMatch(e -> e.key().equals(key)))
                .forEach(key -> failures.add(key + ": given an example, but no such endpoint"));
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.size() + " of " + requests + " bad requests were answered wrongly:\n"
                    + String.join("\n", failures));
        }
        System.out.println("BadInput: " + requests + " requests to " + endpoints.size() + " endpoints, each answered"
                + " as it should be");
    }

    private List<Case> corpus(Type bodyType, Example example) {
        List<Case> cases = new ArrayList<>();
        for (String broken : List.of("{", "{\"a\":}", "{\"a\" 1}", "}", "nul", "{'a':1}", "{\"a\":1,}", "[1,]",
                "{\"a\":\"\u0001\"}", "{\"a\":\"\\x\"}", "{\"a\":01}", "{\"a\":\"" + "x".repeat(100) + "}")) {
            cases.add(new Case("broken JSON " + shortly(broken), "application/json", utf8(broken), null, false));
        }
        cases.add(new Case("invalid UTF-8", "application/json", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff,
                (byte) 0xfe, '"', '}'}, null, false));
        cases.add(new Case("a raw NUL byte", "application/json", new byte[] {'{', '"', 'a', '"', ':', '"', 0, '"', '}'},
                null, false));
        for (String notAnObject : List.of("[]", "[{}]", "\"str\"", "5", "true", "null", "", "{}", "   ")) {
            cases.add(new Case("the body " + shortly(notAnObject), "application/json", utf8(notAnObject), null, false));
        }
        cases.add(new Case("nesting 5,000 deep (arrays)", "application/json",
                utf8("[".repeat(DEEP) + "]".repeat(DEEP)), null, false));
        cases.add(new Case("nesting 5,000 deep (objects)", "application/json", utf8(deep()), null, false));
        cases.add(new Case("a NUL character in an unknown property's name", "application/json",
                set(example.body(), "zz\u0000", NODES.numberNode(1)), null, false));
        for (String type : List.of("text/plain", "application/xml", "application/x-www-form-urlencoded",
                "application/octet-stream")) {
            cases.add(new Case("Content-Type " + type, type, bytes(example.body()), null, false));
        }
        cases.add(new Case("no Content-Type", null, bytes(example.body()), null, true));
        for (String field : example.required()) {
            ObjectNode without = example.body().deepCopy();
            without.remove(field);
            cases.add(new Case("without " + field, "application/json", bytes(without), field, false));
        }
        fields(TypeFactory.defaultInstance().constructType(bodyType), "", example.body(), cases);
        return cases;
    }

    /** The cases for each field of {@code type}, found at {@code path} in the example. */
    private void fields(JavaType type, String path, JsonNode example, List<Case> cases) {
        if (!type.getRawClass().isRecord()) {
            return;
        }
        for (RecordComponent component : type.getRawClass().getRecordComponents()) {
            String field = (path.isEmpty() ? "" : path + ".") + component.getName();
            JavaType fieldType = TypeFactory.defaultInstance().constructType(component.getGenericType());
            value(fieldType, field, example, cases, true);
        }
    }

    /** The cases for the value at {@code path}: wrong types, null, unstorable and huge text, deep nesting. */
    private void value(JavaType type, String path, JsonNode example, List<Case> cases, boolean deep) {
        for (JsonNode wrong : wrongValues(type)) {
            cases.add(new Case(path + " = " + wrong, "application/json", set(example, path, wrong), path, false));
        }
        cases.add(new Case(path + " = null", "application/json", set(example, path, NODES.nullNode()), null, true));
        if (deep) {
            cases.add(new Case(path + " nested 5,000 deep", "application/json", setJson(example, path, deep()),
                    null, false));
        }
        Class<?> raw = type.getRawClass();
        if (isText(raw)) {
            cases.add(new Case(path + " with a NUL character", "application/json",
                    set(example, path, NODES.textNode("a\u0000b")), path, false));
            cases.add(new Case(path + " with an unpaired surrogate", "application/json",
                    set(example, path, NODES.textNode(SURROGATE)), path, false));
            cases.add(new Case(path + " of 2 MB", "application/json", set(example, path, NODES.textNode(HUGE)),
                    path, false));
        } else if (type.isCollectionLikeType()) {
            JavaType element = type.getContentType();
            if (element.getRawClass() != Object.class) {
                value(element, path + "[0]", example, cases, false);
            }
        } else if (type.isMapLikeType()) {
            JavaType element = type.getContentType();
            cases.add(new Case(path + " with a NUL character in a name", "application/json",
                    set(example, path, object("k\u0000", NODES.textNode("v"))), path, false));
            if (element.getRawClass() == Object.class) {
                cases.add(new Case(path + " with a NUL character inside", "application/json",
                        set(example, path, object("k", object("n", NODES.textNode("a\u0000b")))), path + ".k.n", false));
                cases.add(new Case(path + " with a NUL character in a name inside", "application/json",
                        set(example, path, object("k", object("n\u0000", NODES.numberNode(1)))), path + ".k", false));
                cases.add(new Case(path + " with an unpaired surrogate inside", "application/json",
                        set(example, path, object("k", NODES.textNode(SURROGATE))), path + ".k", false));
            } else {
                value(element, path + ".k", example, cases, false);
            }
        } else if (raw.isRecord()) {
            fields(type, path, example, cases);
        }
    }

    /** Values of every JSON type but the one {@code type} takes (none for a free-form field). */
    private static List<JsonNode> wrongValues(JavaType type) {
        Class<?> raw = type.getRawClass();
        JsonNode text = NODES.textNode("x");
        JsonNode number = NODES.numberNode(5);
        JsonNode bool = NODES.booleanNode(true);
        JsonNode array = NODES.arrayNode().add(1);
        JsonNode object = object("a", number);
        if (raw == Object.class) {
            return List.of();
        }
        if (isText(raw)) {
            return List.of(number, bool, array, object);
        }
        if (raw == Boolean.class || raw == boolean.class) {
            return List.of(text, number, array, object);
        }
        if (Number.class.isAssignableFrom(raw) || raw.isPrimitive()) {
            return List.of(text, bool, array, object);
        }
        if (type.isCollectionLikeType() || type.isArrayType()) {
            return List.of(text, number, object);
        }
        return List.of(text, number, bool, array);
    }

    private static boolean isText(Class<?> raw) {
        return CharSequence.class.isAssignableFrom(raw) || raw.isEnum() || raw == java.util.UUID.class;
    }

    private void send(Endpoint endpoint, String path, Case c, int validStatus) {
        requests++;
        String what = endpoint.key() + ", " + c.label() + ": ";
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path.substring(1)))
                .method(endpoint.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(c.body()))
                .header("Authorization", "Bearer " + Auth.ADMIN_TOKEN); // as the platform's administrator
        if (c.contentType() != null && c.body() != null) {
            request.header("Content-Type", c.contentType());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            failures.add(what + e);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        int status = response.statusCode();
        if (c.label().equals("the valid example")) {
            if (status != validStatus) {
                failures.add(what + status + " instead of " + validStatus + " " + shortly(response.body()));
            }
            return;
        }
        if (c.mayPass() && (status < 300 || status == validStatus)) {
            return; // accepted, or answered as the valid example is
        }
        if (status < 400 || status >= 500) {
            failures.add(what + status + " " + shortly(response.body()));
            return;
        }
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (!type.startsWith("application/problem+json")) {
            failures.add(what + status + " with Content-Type '" + type + "' " + shortly(response.body()));
            return;
        }
        JsonNode problem;
        try {
            problem = JSON.readTree(response.body());
        } catch (IOException e) {
            failures.add(what + status + " with a body that is not JSON: " + shortly(response.body()));
            return;
        }
        String detail = problem.path("detail").asText("");
        if (detail.isBlank() || problem.path("status").asInt() != status || !problem.hasNonNull("title")
                || !problem.hasNonNull("type") || !problem.hasNonNull("instance")) {
            failures.add(what + status + " with an incomplete problem: " + shortly(response.body()));
        } else if (c.field() != null && !detail.contains(c.field())) {
            failures.add(what + status + " with a detail not naming " + c.field() + ": " + shortly(detail));
        } else if (detail.length() > 2000) {
            failures.add(what + status + " with a detail of " + detail.length() + " characters");
        }
    }

    /** The endpoints of the @Path classes in {@code resources}' package. */
    static List<Endpoint> endpoints(Class<?> resources) {
        String pkg = resources.getPackageName();
        java.nio.file.Path dir = java.nio.file.Path.of("target", "classes").resolve(pkg.replace('.', '/'));
        List<Endpoint> all = new ArrayList<>();
        try (Stream<java.nio.file.Path> files = Files.list(dir)) {
            for (java.nio.file.Path file : files.sorted().toList()) {
                String name = file.getFileName().toString();
                if (!name.endsWith(".class") || name.contains("$")) {
                    continue;
                }
                Class<?> type = Class.forName(pkg + "." + name.substring(0, name.length() - 6), false,
                        resources.getClassLoader());
                Path root = type.getAnnotation(Path.class);
                if (root == null) {
                    continue;
                }
                for (Method method : type.getMethods()) {
                    String verb = httpMethod(method);
                    if (verb == null) {
                        continue;
                    }
                    Path sub = method.getAnnotation(Path.class);
                    String template = ("/" + root.value() + (sub == null ? "" : "/" + sub.value()))
                            .replaceAll("/+", "/").replaceAll("(.)/$", "$1");
                    all.add(new Endpoint(verb, template, bodyType(method)));
                }
            }
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("cannot list the resources of " + pkg + " in " + dir.toAbsolutePath(), e);
        }
        if (all.isEmpty()) {
            throw new IllegalStateException("no JAX-RS resources in " + dir.toAbsolutePath());
        }
        return all;
    }

    private static String httpMethod(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            HttpMethod verb = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (verb != null) {
                return verb.value();
            }
        }
        return null;
    }

    /** The parameter the body is read into: the one with no annotation that is not a context object. */
    private static Type bodyType(Method method) {
        for (Parameter parameter : method.getParameters()) {
            String typeName = parameter.getType().getName();
            if (parameter.getAnnotations().length == 0 && !typeName.startsWith("jakarta.ws.rs.")
                    && !typeName.startsWith("io.vertx.") && !typeName.startsWith("org.jboss.resteasy.")) {
                return parameter.getParameterizedType();
            }
        }
        return null;
    }

    private static byte[] set(JsonNode example, String path, JsonNode value) {
        return edit(example, path, null, value);
    }

    private static byte[] setJson(JsonNode example, String path, String json) {
        return edit(example, path, json, NODES.textNode("@@json@@"));
    }

    /** The example with {@code value} at {@code path} ({@code a.b}, {@code a[0]}), or the {@code json} text there. */
    private static byte[] edit(JsonNode example, String path, String json, JsonNode value) {
        ObjectNode body = example.deepCopy();
        JsonNode parent = body;
        String[] steps = path.replace("[0]", ".[0]").split("\\.");
        for (int i = 0; i < steps.length; i++) {
            String step = steps[i];
            boolean last = i == steps.length - 1;
            String next = last ? null : steps[i + 1];
            if (step.equals("[0]")) {
                ArrayNode array = (ArrayNode) parent;
                if (array.isEmpty()) {
                    array.add(NODES.nullNode());
                }
                if (last) {
                    array.set(0, value);
                } else if (!array.get(0).isContainerNode()) {
                    array.set(0, next.equals("[0]") ? NODES.arrayNode() : NODES.objectNode());
                }
                parent = array.get(0);
            } else {
                ObjectNode object = (ObjectNode) parent;
                if (last) {
                    object.set(step, value);
                } else if (!object.path(step).isContainerNode()) {
                    object.set(step, next.equals("[0]") ? NODES.arrayNode() : NODES.objectNode());
                }
                parent = object.get(step);
            }
        }
        String text = new String(bytes(body), StandardCharsets.UTF_8);
        text = text.replace("\"" + SURROGATE + "\"", "\"a\\ud800b\"");
        return utf8(json == null ? text : text.replace("\"@@json@@\"", json));
    }

    private static ObjectNode object(String name, JsonNode value) {
        ObjectNode object = NODES.objectNode();
        object.set(name, value);
        return object;
    }

    private static String deep() {
        return "{\"a\":".repeat(DEEP) + "1" + "}".repeat(DEEP);
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String shortly(String text) {
        String oneLine = text.replace("\n", " ");
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "…" : oneLine;
    }
}

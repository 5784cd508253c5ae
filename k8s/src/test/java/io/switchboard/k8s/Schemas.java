package io.switchboard.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The schemas manifests are checked against, by {@code apiVersion} and {@code kind}: the Kubernetes API's types as
 * fabric8 publishes them (its {@code openshift-generated.json}, made from k8s.io/api), and operators' CRDs as they
 * publish them. Unknown fields are errors, as {@code kubectl apply --validate=strict} has them; an int-or-string field
 * (ports, quantities) takes either, as the API server does.
 */
final class Schemas {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4);
    private final ObjectNode definitions;
    /** "kafka.strimzi.io/v1 Kafka" to the CRD's schema of that version. */
    private final Map<String, JsonNode> custom = new HashMap<>();
    private final Map<String, Schema> compiled = new HashMap<>();

    Schemas() {
        JsonNode api = read(JSON, "/openshift-generated.json");
        definitions = (ObjectNode) api.get("definitions");
        definitions.set("io.k8s.apimachinery.pkg.util.intstr.IntOrString", either("integer"));
        definitions.set("io.k8s.apimachinery.pkg.api.resource.Quantity", either("number"));
    }

    /**
     * The definition of a built-in kind: {@code io.k8s.api.<group>.<version>.<kind>}, the group as k8s.io/api names
     * its package ("core" for the core group, "networking" for networking.k8s.io); null when there is none.
     */
    private String builtIn(String apiVersion, String kind) {
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "core" : apiVersion.substring(0, slash).replaceFirst("\\.k8s\\.io$", "");
        String name = "io.k8s.api." + group.replace('.', '_') + "." + apiVersion.substring(slash + 1) + "." + kind;
        return definitions.has(name) ? name : null;
    }

    /** Adds the versions of a CustomResourceDefinition (a YAML resource on the class path). */
    Schemas withCrd(String resource) {
        JsonNode crd = read(YAML, resource);
        String group = crd.path("spec").path("group").asText();
        String kind = crd.path("spec").path("names").path("kind").asText();
        for (JsonNode version : crd.path("spec").path("versions")) {
            custom.put(group + "/" + version.path("name").asText() + " " + kind,
                    version.path("schema").path("openAPIV3Schema"));
        }
        return this;
    }

    /** Whether a schema of this kind is known. */
    boolean knows(String apiVersion, String kind) {
        return builtIn(apiVersion, kind) != null || custom.containsKey(apiVersion + " " + kind);
    }

    /** What is wrong with the document, by its schema (and a custom resource's metadata by ObjectMeta's). */
    List<String> problems(JsonNode document) {
        String apiVersion = document.path("apiVersion").asText();
        String kind = document.path("kind").asText();
        String key = apiVersion + " " + kind;
        String json = document.toString();
        List<String> found = new ArrayList<>(errors(schema(custom.containsKey(key) ? key
                : Objects.requireNonNull(builtIn(apiVersion, kind), "no schema for " + key)), json));
        if (custom.containsKey(key)) {
            found.addAll(errors(schema(META), document.path("metadata").toString()));
        }
        return found;
    }

    private static List<String> errors(Schema schema, String json) {
        return schema.validate(json, InputFormat.JSON).stream().map(Error::toString).toList();
    }

    private Schema schema(String key) {
        return compiled.computeIfAbsent(key, k -> {
            ObjectNode root;
            if (custom.containsKey(k)) {
                root = strict(custom.get(k).deepCopy());
            } else {
                String definition = k;
                root = JSON.createObjectNode().put("$ref", "#/definitions/" + definition);
                ObjectNode used = root.putObject("definitions");
                for (String name : reachable(definition)) {
                    used.set(name, strict(definitions.get(name).deepCopy()));
                }
            }
            return registry.getSchema(root.toString(), InputFormat.JSON);
        });
    }

    /** The definitions the one named refers to, directly or not, and itself. */
    private Set<String> reachable(String name) {
        Set<String> seen = new TreeSet<>();
        Deque<String> next = new ArrayDeque<>(List.of(name));
        while (!next.isEmpty()) {
            String current = next.pop();
            if (seen.add(current)) {
                for (JsonNode ref : definitions.get(current).findValues("$ref")) {
                    next.push(ref.asText().substring("#/definitions/".length()));
                }
            }
        }
        return seen;
    }

    /** The schema with every object of known properties closed to others (unless it keeps unknown fields). */
    private static ObjectNode strict(ObjectNode schema) {
        JsonNode properties = schema.get("properties");
        if (properties != null && properties.isObject()) {
            properties.fields().forEachRemaining(p -> {
                if (p.getValue().isObject()) {
                    strict((ObjectNode) p.getValue());
                }
            });
            boolean open = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean();
            if (!schema.has("additionalProperties") && !open) {
                schema.put("additionalProperties", false);
            }
        }
        for (String nested : List.of("items", "additionalProperties")) {
            if (schema.get(nested) instanceof ObjectNode inner) {
                strict(inner);
            }
        }
        for (String alternatives : List.of("allOf", "anyOf", "oneOf")) {
            if (schema.get(alternatives) instanceof ArrayNode options) {
                for (Iterator<JsonNode> i = options.elements(); i.hasNext(); ) {
                    if (i.next() instanceof ObjectNode option) {
                        strict(option);
                    }
                }
            }
        }
        return schema;
    }

    private static ObjectNode either(String type) {
        ObjectNode schema = JSON.createObjectNode();
        ArrayNode anyOf = schema.putArray("anyOf");
        anyOf.addObject().put("type", type);
        anyOf.addObject().put("type", "string");
        return schema;
    }

    private static JsonNode read(ObjectMapper mapper, String resource) {
        try (InputStream in = Schemas.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the class path");
            }
            return mapper.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

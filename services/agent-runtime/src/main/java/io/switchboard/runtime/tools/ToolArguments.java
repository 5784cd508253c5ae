package io.switchboard.runtime.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Checks a tool call's arguments against the tool's JSON Schema (networknt, draft 2020-12) before the tool runs. An
 * invalid call is not run: the model is told what is wrong and may try again.
 */
@ApplicationScoped
public class ToolArguments {
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private final Map<String, Schema> compiled = new ConcurrentHashMap<>();
    private final ObjectMapper json;

    public ToolArguments(ObjectMapper json) {
        this.json = json;
    }

    /** Why the arguments do not fit the tool's schema, or null when they do. */
    public String problems(Tool tool, String arguments) {
        Schema schema = compiled.computeIfAbsent(tool.name(), name -> registry.getSchema(write(tool.parameters()),
                InputFormat.JSON));
        List<Error> errors;
        try {
            errors = schema.validate(arguments == null || arguments.isBlank() ? "{}" : arguments, InputFormat.JSON);
        } catch (RuntimeException e) {
            return "invalid arguments for " + tool.name() + ": not JSON (" + e.getMessage() + ")";
        }
        return errors.isEmpty() ? null : "invalid arguments for " + tool.name() + ": "
                + errors.stream().map(Error::toString).collect(Collectors.joining("; "));
    }

    private String write(Map<String, Object> schema) {
        try {
            return json.writeValueAsString(schema);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

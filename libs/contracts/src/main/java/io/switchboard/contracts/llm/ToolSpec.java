package io.switchboard.contracts.llm;

import java.util.Map;

/** A tool offered to the model; {@code parameters} is the JSON Schema of its arguments. */
public record ToolSpec(String name, String description, Map<String, Object> parameters) {
}

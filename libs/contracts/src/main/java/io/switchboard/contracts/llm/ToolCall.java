package io.switchboard.contracts.llm;

/** A complete tool call the model asked for; {@code arguments} is a JSON object as text. */
public record ToolCall(String id, String name, String arguments) {
}

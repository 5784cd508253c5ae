package io.switchboard.contracts.llm;

import java.util.List;

/**
 * One message of a conversation, in the OpenAI Chat Completions shape: {@code role} is {@code system}, {@code user},
 * {@code assistant} (possibly with {@code toolCalls}) or {@code tool} (with {@code toolCallId}).
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId) {

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content, List.of(), null);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content, List.of(), null);
    }

    public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
        return new ChatMessage("assistant", content, toolCalls, null);
    }

    public static ChatMessage toolResult(String toolCallId, String content) {
        return new ChatMessage("tool", content, List.of(), toolCallId);
    }
}

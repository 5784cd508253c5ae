package io.switchboard.contracts.llm;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One message of a conversation, in the OpenAI Chat Completions shape: {@code role} is {@code system}, {@code user},
 * {@code assistant} (possibly with {@code toolCalls}) or {@code tool} (with {@code toolCallId}). A message with images
 * or documents has them in {@code parts}, in order with its text parts; {@code content} is then its text parts
 * joined, for readers that only read text. {@code parts} is null for a message that is only text. {@code cache}
 * true marks a prompt-cache breakpoint after this message (Anthropic's {@code cache_control}: what comes up to here is
 * cached); null otherwise. Neither is written when absent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId,
                          List<ContentPart> parts, Boolean cache) {

    public ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId) {
        this(role, content, toolCalls, toolCallId, null, null);
    }

    public ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId,
                       List<ContentPart> parts) {
        this(role, content, toolCalls, toolCallId, parts, null);
    }

    /** The same message, with a prompt-cache breakpoint after it. */
    public ChatMessage cached() {
        return new ChatMessage(role, content, toolCalls, toolCallId, parts, true);
    }

    /** Whether a prompt-cache breakpoint follows it. */
    public boolean cacheBreakpoint() {
        return Boolean.TRUE.equals(cache);
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content, List.of(), null);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content, List.of(), null);
    }

    /** A user message of text, images and documents; its content is its text parts joined. */
    public static ChatMessage user(List<ContentPart> parts) {
        StringBuilder text = new StringBuilder();
        for (ContentPart part : parts) {
            if (ContentPart.TEXT.equals(part.type())) {
                text.append(text.length() == 0 ? "" : "\n").append(part.text());
            }
        }
        return new ChatMessage("user", text.toString(), List.of(), null, List.copyOf(parts));
    }

    public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
        return new ChatMessage("assistant", content, toolCalls, null);
    }

    public static ChatMessage toolResult(String toolCallId, String content) {
        return new ChatMessage("tool", content, List.of(), toolCallId);
    }

    /** Whether it has images or documents (and so must be written as parts). */
    public boolean hasMedia() {
        return has(ContentPart.IMAGE) || has(ContentPart.DOCUMENT);
    }

    /** Whether it carries its model's thinking (an assistant's message, from a vendor that signs it). */
    public boolean hasThinking() {
        return has(ContentPart.THINKING);
    }

    private boolean has(String type) {
        if (parts != null) {
            for (ContentPart part : parts) {
                if (type.equals(part.type())) {
                    return true;
                }
            }
        }
        return false;
    }
}

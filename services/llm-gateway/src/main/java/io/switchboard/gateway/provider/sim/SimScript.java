package io.switchboard.gateway.provider.sim;

import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.contracts.llm.ToolSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The offline model's script: a pure, deterministic function from a request to its reply chunks.
 * <ul>
 *   <li>the last message is a tool result: it answers with that result;</li>
 *   <li>the user's message contains {@code [fail:429]}, {@code [fail:500]} or {@code [fail:cut]}: it fails as rate
 *       limited, with a provider error, or half-way through its answer;</li>
 *   <li>the message mentions the time or the clock and the {@code clock} tool is offered: it calls the tool;</li>
 *   <li>otherwise it answers by quoting the message.</li>
 * </ul>
 * A token is a word with the whitespace before it; usage counts the words of the prompt and the answer.
 */
public final class SimScript {
    private static final Pattern WORD = Pattern.compile("\\s*\\S+");
    private static final Pattern ASKS_FOR_TIME = Pattern.compile("\\b(time|clock)\\b");

    private SimScript() {
    }

    public static List<LlmChunk> reply(LlmRequest request) {
        String id = request.requestId();
        List<ChatMessage> messages = request.messages();
        ChatMessage lastMessage = messages.isEmpty() ? ChatMessage.user("") : messages.get(messages.size() - 1);
        String text = lastMessage.content() == null ? "" : lastMessage.content();
        String lower = text.toLowerCase(Locale.ROOT);
        int inputTokens = messages.stream().mapToInt(m -> countWords(m.content())).sum();
        List<LlmChunk> chunks = new ArrayList<>();

        if (lastMessage.role().equals("tool")) {
            return answer(id, "The tool says: " + text + ".", inputTokens, chunks);
        }
        if (lower.contains("[fail:429]")) {
            chunks.add(new LlmChunk.Failed(id, 0, "rate_limited", "sim: 429 Too Many Requests", true));
            return chunks;
        }
        if (lower.contains("[fail:500]")) {
            chunks.add(new LlmChunk.Failed(id, 0, "provider_error", "sim: 500 Internal Server Error", true));
            return chunks;
        }
        if (lower.contains("[fail:cut]")) {
            List<String> tokens = tokens(quote(text));
            for (String token : tokens.subList(0, tokens.size() / 2)) {
                chunks.add(new LlmChunk.TextDelta(id, chunks.size(), token));
            }
            chunks.add(new LlmChunk.Failed(id, chunks.size(), "stream_interrupted",
                    "sim: the connection was cut mid-stream", true));
            return chunks;
        }
        if (ASKS_FOR_TIME.matcher(lower).find() && offers(request, "clock")) {
            chunks.add(new LlmChunk.ToolCallRequested(id, 0, new ToolCall("call_" + id + "_0", "clock", "{}")));
            chunks.add(new LlmChunk.Usage(id, 1, inputTokens, 1));
            chunks.add(new LlmChunk.Finished(id, 2, "tool_calls"));
            return chunks;
        }
        return answer(id, quote(text), inputTokens, chunks);
    }

    private static List<LlmChunk> answer(String id, String answer, int inputTokens, List<LlmChunk> chunks) {
        List<String> tokens = tokens(answer);
        for (String token : tokens) {
            chunks.add(new LlmChunk.TextDelta(id, chunks.size(), token));
        }
        chunks.add(new LlmChunk.Usage(id, chunks.size(), inputTokens, tokens.size()));
        chunks.add(new LlmChunk.Finished(id, chunks.size(), "stop"));
        return chunks;
    }

    private static String quote(String text) {
        return "You said: \u201c" + text.strip() + "\u201d. I am sim, the built-in offline model: "
                + "I answer every message the same way, so demos and tests need no API key.";
    }

    private static boolean offers(LlmRequest request, String tool) {
        return request.tools() != null && request.tools().stream().map(ToolSpec::name).anyMatch(tool::equals);
    }

    static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            tokens.add(m.group());
        }
        return tokens;
    }

    private static int countWords(String text) {
        return text == null ? 0 : tokens(text).size();
    }
}

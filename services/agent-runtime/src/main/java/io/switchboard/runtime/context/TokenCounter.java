package io.switchboard.runtime.context;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.quarkus.runtime.Startup;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ToolCall;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Counts tokens before a call, to fit the conversation to an agent's window. One encoding for every provider
 * ({@code o200k_base}, OpenAI's current one, via jtokkit): others' tokenizers differ by some percent, which the window
 * an operator sets leaves room for. The provider's own count comes back as usage after the call. Made at start-up:
 * loading the encoding takes about a second, which the first turn should not wait for.
 */
@Startup
@ApplicationScoped
public class TokenCounter {
    /** What a provider adds around each message (role, separators). */
    static final int PER_MESSAGE = 4;

    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    /** Tokens of plain text; special-token markers in it count as text, as the provider will see them. */
    public int count(String text) {
        return text == null || text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
    }

    public int count(ChatMessage message) {
        int tokens = PER_MESSAGE + count(message.content());
        if (message.toolCalls() != null) {
            for (ToolCall call : message.toolCalls()) {
                tokens += count(call.name()) + count(call.arguments());
            }
        }
        return tokens;
    }

    /** The text cut to at most {@code maxTokens} tokens. */
    public String cut(String text, int maxTokens) {
        return count(text) <= maxTokens ? text : encoding.decode(encoding.encodeOrdinary(text, maxTokens).getTokens());
    }
}

package io.switchboard.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ContentPart;
import io.switchboard.contracts.llm.ToolCall;

/**
 * Counts tokens before a call: to fit the conversation to an agent's window (agent-runtime), and to answer a client's
 * count (llm-gateway). One encoding for every provider ({@code o200k_base}, OpenAI's current one, via jtokkit):
 * others' tokenizers differ by some percent, which a window leaves room for. The provider's own count comes back as
 * usage after the call. Loading the encoding takes a fraction of a second of CPU, done by the first count (or
 * {@link #load}): share one counter (it is thread-safe).
 */
public class TokenCounter {
    /** What a provider adds around each message (role, separators). */
    public static final int PER_MESSAGE = 4;
    /** What an image is counted as: a typical one, as the vendors price images of about a megapixel. */
    public static final int PER_IMAGE = 1_600;

    private volatile Encoding encoding;

    /** Loads the encoding now, unless it is loaded: a count then does not wait for it. */
    public void load() {
        encoding();
    }

    /** Whether a count would not wait for the encoding to load (so it may run on an event loop). */
    public boolean loaded() {
        return encoding != null;
    }

    private Encoding encoding() {
        Encoding loaded = encoding;
        if (loaded == null) {
            synchronized (this) {
                loaded = encoding;
                if (loaded == null) {
                    loaded = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
                    encoding = loaded;
                }
            }
        }
        return loaded;
    }

    /** Tokens of plain text; special-token markers in it count as text, as the provider will see them. */
    public int count(String text) {
        return text == null || text.isEmpty() ? 0 : encoding().countTokensOrdinary(text);
    }

    public int count(ChatMessage message) {
        int tokens = PER_MESSAGE + count(message.content());
        if (message.parts() != null) {
            for (ContentPart part : message.parts()) {
                // text parts are in the content already; a document's size says more than nothing
                tokens += part.type().equals(ContentPart.IMAGE) ? PER_IMAGE
                        : part.type().equals(ContentPart.DOCUMENT) && part.data() != null ? part.data().length() / 8
                        : 0;
            }
        }
        if (message.toolCalls() != null) {
            for (ToolCall call : message.toolCalls()) {
                tokens += count(call.name()) + count(call.arguments());
            }
        }
        return tokens;
    }

    /** The text cut to at most {@code maxTokens} tokens. */
    public String cut(String text, int maxTokens) {
        return count(text) <= maxTokens ? text
                : encoding().decode(encoding().encodeOrdinary(text, maxTokens).getTokens());
    }
}

package io.switchboard.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ContentPart;
import io.switchboard.contracts.llm.ToolCall;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenCounterTest {
    private final TokenCounter counter = new TokenCounter();

    @Test
    void aMessageIsItsTextItsCallsAndItsImagesPlusItsFraming() {
        int text = counter.count("What is in this picture?");
        assertThat(text).isBetween(5, 8);
        assertThat(counter.count(ChatMessage.user("What is in this picture?"))).isEqualTo(text + TokenCounter.PER_MESSAGE);
        assertThat(counter.count(ChatMessage.user(List.of(ContentPart.text("What is in this picture?"),
                ContentPart.image("image/png", "iVBORw0KGgo=")))))
                .isEqualTo(text + TokenCounter.PER_MESSAGE + TokenCounter.PER_IMAGE);
        assertThat(counter.count(ChatMessage.assistant("", List.of(new ToolCall("c", "clock", "{}")))))
                .isEqualTo(TokenCounter.PER_MESSAGE + counter.count("clock") + counter.count("{}"));
    }

    @Test
    void aCutNeverExceedsItsTokens() {
        String cut = counter.cut("one two three four five six seven", 3);
        assertThat(counter.count(cut)).isEqualTo(3);
        assertThat("one two three four five six seven").startsWith(cut);
    }
}

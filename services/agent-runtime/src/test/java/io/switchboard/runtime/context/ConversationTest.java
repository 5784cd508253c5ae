package io.switchboard.runtime.context;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.tokens.TokenCounter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConversationTest {
    private final TokenCounter counter = new TokenCounter();

    @Test
    void tokensAreCountedWithTheMessagesFraming() {
        assertThat(counter.count("hello world")).isEqualTo(2);
        assertThat(counter.count(ChatMessage.user("hello world"))).isEqualTo(2 + TokenCounter.PER_MESSAGE);
        assertThat(counter.count(ChatMessage.assistant("", List.of(new ToolCall("c", "clock", "{}")))))
                .isGreaterThan(TokenCounter.PER_MESSAGE);
        // a special-token marker in user text is text, not a control token
        assertThat(counter.count("<|endoftext|>")).isGreaterThan(1);
        assertThat(counter.cut("one two three four five", 2)).isEqualTo("one two");
    }

    @Test
    void theWindowLeavesOldestWholeTurnsBehindAndNeverTheTurnBeingRun() {
        Conversation conversation = new Conversation(10, 9, null);
        String words = "word ".repeat(40);
        conversation.add(ChatMessage.user("first " + words));
        conversation.add(ChatMessage.assistant("answer " + words, List.of()));
        conversation.add(ChatMessage.user("second " + words));
        conversation.add(ChatMessage.assistant("", List.of(new ToolCall("c1", "clock", "{}"))));
        conversation.add(ChatMessage.toolResult("c1", "12:00"));
        conversation.add(ChatMessage.assistant("answer " + words, List.of()));
        conversation.add(ChatMessage.user("third " + words));
        conversation.markTurnStart();

        Conversation.Window window = conversation.window(counter);
        int all = window.tokensFrom(0);
        assertThat(window.fit(all)).isZero();
        // one token short: the first turn (user + answer) goes, whole
        assertThat(window.fit(all - 1)).isEqualTo(2);
        // the second turn's tool call and result go with it, never alone
        assertThat(window.fit(window.tokensFrom(3))).isEqualTo(6);
        // the turn being run is sent even when it alone is over
        assertThat(window.fit(1)).isEqualTo(6);

        conversation.leaveBehind(2, "they said hello");
        Conversation.Window after = conversation.window(counter);
        assertThat(after.start()).isEqualTo(2);
        assertThat(after.snapshotPosition()).isEqualTo(11);
        assertThat(after.summary()).isEqualTo("they said hello");
        assertThat(conversation.thisTurn()).hasSize(1);
    }
}

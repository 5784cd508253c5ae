package io.switchboard.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.contracts.llm.LlmChunk;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A reply's chunks come in order; one that starts over is taken from its start; a gap loses the reply (asked again).
 */
class ReplyOrderTest {

    @Test
    void aReplyThatStartsOverIsTakenFromItsStart() {
        AtomicInteger expected = new AtomicInteger();
        ModelCalls.inOrder(text(0), expected, "r");
        ModelCalls.inOrder(text(1), expected, "r");
        assertThat(ModelCalls.inOrder(text(0), expected, "r").seq()).isZero();
        assertThat(ModelCalls.inOrder(text(1), expected, "r").seq()).isEqualTo(1);
    }

    @Test
    void aGapLosesTheReply() {
        AtomicInteger expected = new AtomicInteger();
        ModelCalls.inOrder(text(0), expected, "r");
        ModelCalls.inOrder(text(1), expected, "r");
        assertThatThrownBy(() -> ModelCalls.inOrder(text(3), expected, "r"))
                .isInstanceOf(ModelCalls.ReplyLost.class).hasMessageContaining("reply chunk 2 of r was lost");
    }

    private static LlmChunk text(int seq) {
        return new LlmChunk.TextDelta("r", seq, "word ");
    }
}

package io.switchboard.gateway.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.gateway.provider.ProviderEvent;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class JoinTextTest {
    @Test
    void adjacentTextGoesOutAsOneDeltaAndEverythingElseKeepsItsPlace() {
        ProviderEvent.ToolCall call = new ProviderEvent.ToolCall("c1", "clock", "{}");
        assertThat(LlmRequestConsumer.joinText(List.of(new ProviderEvent.TextDelta("Hel"),
                new ProviderEvent.TextDelta("lo"), call, new ProviderEvent.TextDelta(" there"),
                new ProviderEvent.TextDelta("!"))))
                .containsExactly(new ProviderEvent.TextDelta("Hello"), call, new ProviderEvent.TextDelta(" there!"));
        assertThat(LlmRequestConsumer.joinText(List.of())).isEmpty();
    }

    @Test
    void aKeepAliveGoesOutOnlyWhenNothingElseDoes() {
        ProviderEvent keepAlive = new ProviderEvent.KeepAlive();
        assertThat(LlmRequestConsumer.joinText(List.of(keepAlive, new ProviderEvent.TextDelta("Hi"), keepAlive)))
                .containsExactly(new ProviderEvent.TextDelta("Hi"));
        assertThat(LlmRequestConsumer.joinText(List.of(keepAlive, keepAlive))).containsExactly(keepAlive);
    }

    @Test
    void whatNoChunkCarriesIsLeftOutAndTheRestIsNumberedInOrder() {
        LlmRequestConsumer.Chunks chunks = new LlmRequestConsumer.Chunks("r1", usage -> BigDecimal.ZERO);
        assertThat(chunks.of(new ProviderEvent.ReasoningDelta("hm"))).singleElement()
                .isEqualTo(new LlmChunk.ReasoningDelta("r1", 0, "hm"));
        // Anthropic's signature over its thinking: the contract has no chunk for it (it threw before)
        assertThat(chunks.of(new ProviderEvent.ReasoningSignature("sig"))).isEmpty();
        assertThat(chunks.of(new ProviderEvent.Verbatim("{}", false))).isEmpty();
        assertThat(chunks.of(new ProviderEvent.TextDelta("Hi"))).singleElement()
                .isEqualTo(new LlmChunk.TextDelta("r1", 1, "Hi"));
    }
}

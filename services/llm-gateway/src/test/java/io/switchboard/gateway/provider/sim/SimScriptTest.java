package io.switchboard.gateway.provider.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.contracts.llm.ToolSpec;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SimScriptTest {
    private static final List<ToolSpec> CLOCK = List.of(new ToolSpec("clock", "time", Map.of()));

    @Test
    void tokensKeepTheWhitespaceSoTheyJoinBackToTheText() {
        assertThat(SimScript.tokens("Hello  big world")).containsExactly("Hello", "  big", " world");
    }

    @Test
    void answerIsDeterministicAndCountsUsage() {
        List<LlmChunk> first = SimScript.reply(request(List.of(ChatMessage.user("two words")), List.of()));
        assertThat(SimScript.reply(request(List.of(ChatMessage.user("two words")), List.of()))).isEqualTo(first);
        LlmChunk.Usage usage = (LlmChunk.Usage) first.get(first.size() - 2);
        assertThat(usage.inputTokens()).isEqualTo(2);
        assertThat(usage.outputTokens()).isEqualTo(first.size() - 2);
        assertThat(text(first)).startsWith("You said: \u201ctwo words\u201d.");
    }

    @Test
    void callsTheClockOnlyWhenItIsOffered() {
        assertThat(SimScript.reply(request(List.of(ChatMessage.user("What time is it?")), CLOCK)).get(0))
                .isInstanceOf(LlmChunk.ToolCallRequested.class);
        assertThat(SimScript.reply(request(List.of(ChatMessage.user("What time is it?")), List.of())).get(0))
                .isInstanceOf(LlmChunk.TextDelta.class);
    }

    @Test
    void answersWithTheToolResultAfterTheToolRan() {
        List<LlmChunk> chunks = SimScript.reply(request(List.of(ChatMessage.user("time?"),
                ChatMessage.assistant("", List.of(new ToolCall("c1", "clock", "{}"))),
                ChatMessage.toolResult("c1", "2026-11-27T12:00:00Z")), CLOCK));
        assertThat(text(chunks)).isEqualTo("The tool says: 2026-11-27T12:00:00Z.");
    }

    @Test
    void cutStreamsEndWithAFailureAfterSomeText() {
        List<LlmChunk> chunks = SimScript.reply(request(List.of(ChatMessage.user("[fail:cut] tell me more")), List.of()));
        assertThat(chunks.get(0)).isInstanceOf(LlmChunk.TextDelta.class);
        assertThat(chunks.get(chunks.size() - 1)).isInstanceOfSatisfying(LlmChunk.Failed.class,
                f -> assertThat(f.code()).isEqualTo("stream_interrupted"));
        assertThat(chunks).extracting(LlmChunk::seq).doesNotHaveDuplicates();
    }

    @Test
    void serverErrorFailsAtOnce() {
        assertThat(SimScript.reply(request(List.of(ChatMessage.user("[fail:500]")), List.of())))
                .singleElement().isInstanceOfSatisfying(LlmChunk.Failed.class,
                        f -> assertThat(f.code()).isEqualTo("provider_error"));
    }

    private static LlmRequest request(List<ChatMessage> messages, List<ToolSpec> tools) {
        return LlmRequest.of("r1", null, null, "sim", messages, tools);
    }

    private static String text(List<LlmChunk> chunks) {
        return chunks.stream().filter(c -> c instanceof LlmChunk.TextDelta).map(c -> ((LlmChunk.TextDelta) c).text())
                .collect(Collectors.joining());
    }
}

package io.switchboard.runtime.decider;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ToolCall;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TurnDeciderTest {
    private static final ToolCall CLOCK = new ToolCall("c1", "clock", "{}");
    private static final ToolCall SHELL = new ToolCall("c2", "shell", "{\"cmd\":\"rm -rf /\"}");

    @Test
    void aTurnWithOnlyItsUserMessageStartsAtTheFirstModelCall() {
        assertThat(TurnDecider.resume(List.of(ChatMessage.user("hi"))))
                .isEqualTo(new TurnDecider.Resume(0, List.of()));
    }

    @Test
    void aCommittedModelResultIsReusedAndOnlyItsUnansweredCallsRunAgain() {
        List<ChatMessage> committed = List.of(ChatMessage.user("hi"), ChatMessage.assistant("", List.of(CLOCK, SHELL)),
                ChatMessage.toolResult("c1", "12:00"));
        assertThat(TurnDecider.resume(committed)).isEqualTo(new TurnDecider.Resume(1, List.of(SHELL)));
    }

    @Test
    void whenEveryCallOfTheLastRoundHasItsResultTheNextModelCallFollows() {
        List<ChatMessage> committed = List.of(ChatMessage.user("hi"), ChatMessage.assistant("", List.of(CLOCK)),
                ChatMessage.toolResult("c1", "12:00"), ChatMessage.assistant("again", List.of(SHELL)),
                ChatMessage.toolResult("c2", "no"));
        assertThat(TurnDecider.resume(committed)).isEqualTo(new TurnDecider.Resume(2, List.of()));
    }

    @Test
    void theModelsCallIdsAreReplacedByTheRuntimesOwnUniqueInTheTurn() {
        // Ollama names every call call_0, every round: the two rounds' calls must not share an approval or a key
        LlmOutcome round1 = outcome("", List.of(new ToolCall("call_0", "clock", "{}")));
        LlmOutcome round2 = outcome("", List.of(new ToolCall("call_0", "clock", "{}"),
                new ToolCall("call_0", "shell", "{}")));
        assertThat(TurnDecider.withOwnCallIds(round1, 1).toolCalls()).extracting(ToolCall::id)
                .containsExactly("call_r1_0");
        assertThat(TurnDecider.withOwnCallIds(round2, 2).toolCalls()).extracting(ToolCall::id)
                .containsExactly("call_r2_0", "call_r2_1");
        assertThat(TurnDecider.withOwnCallIds(round2, 2).toolCalls()).extracting(ToolCall::name)
                .containsExactly("clock", "shell");
        assertThat(TurnDecider.withOwnCallIds(outcome("hi", List.of()), 3).text()).isEqualTo("hi");
    }

    @Test
    void textWithoutToolCallsIsTheAnswer() {
        assertThat(TurnDecider.afterModelCall(outcome("Hello", List.of()), 0, 8, Set.of(), 0, null))
                .isEqualTo(new Decision.Answer("Hello"));
    }

    @Test
    void aFailedModelCallFailsTheTurnWithItsCode() {
        LlmOutcome failed = new LlmOutcome("par", List.of(), 0, 0, null, "stream_interrupted", "cut");
        assertThat(TurnDecider.afterModelCall(failed, 0, 8, Set.of(), 0, null))
                .isInstanceOfSatisfying(Decision.Fail.class, f -> {
                    assertThat(f.code()).isEqualTo("stream_interrupted");
                    assertThat(f.reason()).contains("cut");
                });
    }

    @Test
    void toolCallsOfTheAgentAreRunAndOthersRefused() {
        assertThat(TurnDecider.afterModelCall(outcome("", List.of(CLOCK, SHELL)), 0, 8, Set.of("clock"), 0, null))
                .isEqualTo(new Decision.RunTools(List.of(CLOCK), List.of(SHELL)));
    }

    @Test
    void toolRoundsStopAtTheLimit() {
        assertThat(TurnDecider.afterModelCall(outcome("", List.of(CLOCK)), 8, 8, Set.of("clock"), 0, null))
                .isInstanceOfSatisfying(Decision.Fail.class, f -> assertThat(f.code()).isEqualTo("tool_loop_limit"));
        assertThat(TurnDecider.afterModelCall(outcome("", List.of(CLOCK)), 7, 8, Set.of("clock"), 0, null))
                .isInstanceOf(Decision.RunTools.class);
    }

    @Test
    void pastTheTokenBudgetTheTurnStopsCallingToolsButKeepsAnAnswer() {
        assertThat(TurnDecider.afterModelCall(outcome("", List.of(CLOCK)), 1, 8, Set.of("clock"), 1200, 1000))
                .isInstanceOfSatisfying(Decision.Fail.class, f -> {
                    assertThat(f.code()).isEqualTo("token_limit");
                    assertThat(f.reason()).contains("1200").contains("1000");
                });
        assertThat(TurnDecider.afterModelCall(outcome("", List.of(CLOCK)), 1, 8, Set.of("clock"), 1000, 1000))
                .isInstanceOf(Decision.RunTools.class);
        assertThat(TurnDecider.afterModelCall(outcome("done", List.of()), 1, 8, Set.of("clock"), 5000, 1000))
                .isEqualTo(new Decision.Answer("done"));
    }

    private static LlmOutcome outcome(String text, List<ToolCall> calls) {
        return new LlmOutcome(text, calls, 1, 1, calls.isEmpty() ? "stop" : "tool_calls", null, null);
    }
}

package io.switchboard.runtime.turn;

import io.switchboard.contracts.llm.ToolCall;
import java.math.BigDecimal;
import java.util.List;

/**
 * What one model call produced, folded from its chunks: the text, the tool calls, the usage, and how it ended
 * ({@code failureCode} null when it finished normally). {@code costUsd}: null when the gateway did not price it.
 */
public record LlmOutcome(String text, List<ToolCall> toolCalls, int inputTokens, int outputTokens,
                         BigDecimal costUsd, String finishReason, String failureCode, String failureMessage) {

    public boolean failed() {
        return failureCode != null;
    }

    public LlmOutcome withToolCalls(List<ToolCall> calls) {
        return new LlmOutcome(text, calls, inputTokens, outputTokens, costUsd, finishReason, failureCode,
                failureMessage);
    }
}

package io.switchboard.runtime.turn;

import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.ToolCall;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** Folds the chunks of one model call into an {@link LlmOutcome}. A stream without a terminal chunk is a failure. */
public final class ChunkFolder {
    private final StringBuilder text = new StringBuilder();
    private final List<ToolCall> toolCalls = new ArrayList<>();
    private int inputTokens;
    private int outputTokens;
    /** What the call cost; null once a part of it had no price (or no usage came). */
    private BigDecimal costUsd;
    private boolean priced = true;
    private String finishReason;
    private String failureCode;
    private String failureMessage;

    public void add(LlmChunk chunk) {
        if (chunk instanceof LlmChunk.TextDelta delta) {
            text.append(delta.text());
        } else if (chunk instanceof LlmChunk.ToolCallRequested call) {
            toolCalls.add(call.call());
        } else if (chunk instanceof LlmChunk.Usage usage) {
            inputTokens += usage.inputTokens();
            outputTokens += usage.outputTokens();
            cost(usage.costUsd());
        } else if (chunk instanceof LlmChunk.Finished finished) {
            finishReason = finished.finishReason();
            if (finished.usage() != null) {
                inputTokens += finished.usage().inputTokens();
                outputTokens += finished.usage().outputTokens();
                cost(finished.usage().costUsd());
            }
        } else if (chunk instanceof LlmChunk.Failed failed) {
            failureCode = failed.code();
            failureMessage = failed.message();
        }
    }

    private void cost(BigDecimal cost) {
        priced &= cost != null;
        costUsd = !priced ? null : costUsd == null ? cost : costUsd.add(cost);
    }

    public LlmOutcome outcome() {
        if (finishReason == null && failureCode == null) {
            return new LlmOutcome(text.toString(), List.copyOf(toolCalls), inputTokens, outputTokens, costUsd, null,
                    "stream_interrupted", "the reply ended without a finish");
        }
        return new LlmOutcome(text.toString(), List.copyOf(toolCalls), inputTokens, outputTokens, costUsd,
                finishReason,
                failureCode, failureMessage);
    }
}

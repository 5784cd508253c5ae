package io.switchboard.runtime.decider;

import io.switchboard.contracts.llm.ToolCall;
import java.util.List;

/** What the turn does next after a model call. */
public sealed interface Decision {

    /** The model answered: persist it and complete the turn. */
    record Answer(String text) implements Decision {
    }

    /** Run these tool calls (allowed ones) and report the refused ones to the model as errors, then ask again. */
    record RunTools(List<ToolCall> allowed, List<ToolCall> refused) implements Decision {
    }

    /** End the turn without an answer. */
    record Fail(String code, String reason) implements Decision {
    }
}

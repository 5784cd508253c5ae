package io.switchboard.runtime.turn;

import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ToolCall;
import java.time.Duration;
import java.math.BigDecimal;
import java.util.List;

/**
 * What {@link TurnMachine} asks a runner to do. A runner carries directives out in the order given: a write is
 * committed before the next directive starts; long work (a model call, a tool) is started and its end comes back as
 * a {@link TurnInput}.
 */
public sealed interface Directive {

    /** Read the agent, its tools and the journal; answer with {@link TurnInput.Loaded}. */
    record Load() implements Directive {
    }

    /** Tell the stream the turn has begun ({@code TurnStarted}), or begun again after a runner stopped. */
    record Announce(boolean resumed, int attempt, String userText) implements Directive {
    }

    /** Time the turn out ({@link TurnInput.TimedOut}) after {@code limit}. */
    record StartClock(Duration limit) implements Directive {
    }

    /** Call the model with the conversation as it stands (round {@code round} of the turn); stream its text. */
    record CallModel(int round) implements Directive {
    }

    /** Append the message to the session's journal. */
    record Record(ChatMessage message) implements Directive {
    }

    /** Tell the stream a tool call begins. */
    record ToolStarted(ToolCall call) implements Directive {
    }

    /** Run the tool; a tool that ran before for this step sees the same key. */
    record RunTool(ToolCall call, String idempotencyKey) implements Directive {
    }

    /** Tell the stream a tool call ended (its result is recorded before). */
    record ToolEnded(ToolCall call, String result, boolean error) implements Directive {
    }

    /** Ask operators to approve the call, unless they decided it before; answer with its state. */
    record AskApproval(ToolCall call) implements Directive {
    }

    /** Tell the stream operators are asked about the call (approval {@code approvalId}). */
    record ApprovalAsked(ToolCall call, String approvalId) implements Directive {
    }

    /** Let the turn wait for its approvals without a runner; answer {@link TurnInput.PauseRefused} if it may not. */
    record Pause() implements Directive {
    }

    /**
     * End the turn: append {@code messages} (the answer, or what closes unanswered calls), set its status and tell
     * the stream ({@code TurnCompleted} with {@code answer}, else {@code TurnFailed} with the code and reason). Work
     * still running for the turn is stopped.
     */
    record Finish(String status, String code, String reason, List<ChatMessage> messages, String answer,
                  int inputTokens, int outputTokens, BigDecimal costUsd) implements Directive {
    }
}

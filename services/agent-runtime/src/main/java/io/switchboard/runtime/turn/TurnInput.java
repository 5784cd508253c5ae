package io.switchboard.runtime.turn;

import io.switchboard.contracts.llm.ChatMessage;
import java.util.List;

/** What happens to a turn, as {@link TurnMachine} hears it: what its runner learned, or what was asked of it. */
public sealed interface TurnInput {

    /**
     * The runner took the turn up: {@code attempt} 1 the first time ({@code resumed} when a runner ran it before);
     * {@code refused} why a message sent while the session was busy is turned away, or null.
     */
    record Begun(boolean resumed, int attempt, boolean cancelRequested, String refused) implements TurnInput {
    }

    /** The agent and the journal are read: the turn's committed messages, its user message first. */
    record Loaded(TurnPolicy policy, List<ChatMessage> thisTurn) implements TurnInput {
    }

    /** The model call of the current round ended (failed, answered, or asked for tools). */
    record ModelReplied(LlmOutcome outcome) implements TurnInput {
    }

    /**
     * A tool call ended: {@code error} when the model is to hear that it did not work; {@code failure} (not null)
     * when the tool itself broke, which fails the turn once the round's other calls are in.
     */
    record ToolFinished(String callId, String result, boolean error, String failure) implements TurnInput {
    }

    /** The call's approval is asked for ({@code approvalId}); operators have not decided yet. */
    record ApprovalPending(String callId, String approvalId) implements TurnInput {
    }

    /** The call's approval was decided. */
    record ApprovalDecided(String callId, boolean approved, String reason) implements TurnInput {
    }

    /** The turn is paused for its approvals: this runner is done with it. */
    record Paused() implements TurnInput {
    }

    /** The pause was refused: every approval the turn waits for was decided meanwhile. */
    record PauseRefused() implements TurnInput {
    }

    record CancelRequested(String reason) implements TurnInput {
    }

    /** The turn's wall-time limit passed. */
    record TimedOut() implements TurnInput {
    }

    /**
     * The runner stops here, writing nothing more: another runner has taken the session over (this one was frozen or
     * cut off past its lease), or a write failed. The turn goes on from its journal, with that runner or this one.
     */
    record Stopped() implements TurnInput {
    }

    /** The runner could not go on (a write failed, a bug): the turn ends failed. */
    record Crashed(String message) implements TurnInput {
    }
}

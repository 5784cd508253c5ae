package io.switchboard.runtime.turn;

import io.switchboard.contracts.llm.ToolCall;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Where a turn stands, for {@link TurnMachine}. Immutable: a step gives a new one.
 *
 * @param round        tool rounds done: the next model call is this round's
 * @param calls        the current round's tool calls, in the model's order
 * @param costUsd      what the turn's model calls cost so far; null once one had no price
 * @param toolFailure  why the first tool of the round that broke did, or null
 */
public record TurnState(UUID sessionId, UUID turnId, Phase phase, boolean resumed, int attempt,
                        boolean cancelRequested, TurnPolicy policy, int round, int inputTokens, int outputTokens,
                        BigDecimal costUsd, List<Call> calls, String toolFailure) {

    public enum Phase {
        /** Not begun yet. */
        NEW,
        /** Reading the agent and the journal. */
        LOADING,
        /** The model call of {@code round} runs. */
        THINKING,
        /** The round's tool calls run (or wait for approval). */
        ACTING,
        /** Asking to wait for approvals without a runner. */
        PAUSING,
        /** Finished: nothing more happens. */
        ENDED
    }

    /** A tool call of the round and how far it got. */
    public record Call(ToolCall call, CallStatus status) {
        Call with(CallStatus next) {
            return new Call(call, next);
        }
    }

    public enum CallStatus { NEW, ASKING, AWAITING, RUNNING, DONE }

    public static TurnState of(UUID sessionId, UUID turnId) {
        return new TurnState(sessionId, turnId, Phase.NEW, false, 0, false, null, 0, 0, 0, BigDecimal.ZERO, List.of(),
                null);
    }

    TurnState in(Phase next) {
        return new TurnState(sessionId, turnId, next, resumed, attempt, cancelRequested, policy, round, inputTokens,
                outputTokens, costUsd, calls, toolFailure);
    }

    /** A resumed turn's calls before the resume are not known here: its cost is not either (null). */
    TurnState begun(boolean resumed, int attempt, boolean cancelRequested) {
        return new TurnState(sessionId, turnId, phase, resumed, attempt, cancelRequested, policy, round, inputTokens,
                outputTokens, resumed ? null : costUsd, calls, toolFailure);
    }

    TurnState loaded(TurnPolicy policy, int round) {
        return new TurnState(sessionId, turnId, phase, resumed, attempt, cancelRequested, policy, round, inputTokens,
                outputTokens, costUsd, calls, toolFailure);
    }

    TurnState used(int input, int output, BigDecimal cost) {
        return new TurnState(sessionId, turnId, phase, resumed, attempt, cancelRequested, policy, round,
                inputTokens + input, outputTokens + output, costUsd == null || cost == null ? null : costUsd.add(cost),
                calls, toolFailure);
    }

    /** A new round of calls (the round's count goes up when {@code nextRound}). */
    TurnState withCalls(List<ToolCall> round, boolean nextRound) {
        List<Call> fresh = round.stream().map(call -> new Call(call, CallStatus.NEW)).toList();
        return new TurnState(sessionId, turnId, phase, resumed, attempt, cancelRequested, policy,
                nextRound ? this.round + 1 : this.round, inputTokens, outputTokens, costUsd, fresh, null);
    }

    TurnState failedTool(String failure) {
        return new TurnState(sessionId, turnId, phase, resumed, attempt, cancelRequested, policy, round, inputTokens,
                outputTokens, costUsd, calls, toolFailure == null ? failure : toolFailure);
    }

    TurnState call(String callId, UnaryOperator<Call> change) {
        List<Call> changed = new ArrayList<>(calls.size());
        for (Call c : calls) {
            changed.add(c.call().id().equals(callId) ? change.apply(c) : c);
        }
        return new TurnState(sessionId, turnId, phase, resumed, attempt, cancelRequested, policy, round, inputTokens,
                outputTokens, costUsd, List.copyOf(changed), toolFailure);
    }

    /** The round's call, or null. */
    Call call(String callId) {
        return calls.stream().filter(c -> c.call().id().equals(callId)).findFirst().orElse(null);
    }

    boolean any(CallStatus... statuses) {
        return calls.stream().anyMatch(c -> List.of(statuses).contains(c.status()));
    }

    /** The round's calls that have no result (yet). */
    List<ToolCall> unanswered() {
        return calls.stream().filter(c -> c.status() != CallStatus.DONE).map(Call::call).toList();
    }
}

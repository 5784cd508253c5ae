package io.switchboard.runtime.turn;

import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.runtime.repository.Turn;
import io.switchboard.runtime.turn.Directive.AskApproval;
import io.switchboard.runtime.turn.Directive.CallModel;
import io.switchboard.runtime.turn.Directive.Finish;
import io.switchboard.runtime.turn.Directive.Record;
import io.switchboard.runtime.turn.Directive.RunTool;
import io.switchboard.runtime.turn.Directive.ToolEnded;
import io.switchboard.runtime.turn.Directive.ToolStarted;
import io.switchboard.runtime.turn.TurnState.CallStatus;
import io.switchboard.runtime.turn.TurnState.Phase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules of a turn, as one pure function: {@code step(state, input) → (state, directives)}. Which calls run, are
 * refused or wait for operators; tool results cut to size; limits of rounds, tokens and time; a crashed runner's turn
 * taken up from its committed steps; how every kind of end closes the calls left without a result. No I/O: a runner
 * ({@link TurnRunner}) carries the directives out and feeds back what came of them.
 */
public final class TurnMachine {
    private TurnMachine() {
    }

    /** The state after {@code input}, and what to do about it (in order). */
    public record Step(TurnState state, List<Directive> directives) {
    }

    public static Step step(TurnState state, TurnInput input) {
        if (state.phase() == Phase.ENDED) {
            return new Step(state, List.of()); // late news of a turn that is over (a tool that ran on, a timer)
        }
        List<Directive> out = new ArrayList<>();
        TurnState next = state;
        if (input instanceof TurnInput.Begun begun) {
            next = begin(state, begun, out);
        } else if (input instanceof TurnInput.Loaded loaded) {
            next = load(state, loaded, out);
        } else if (input instanceof TurnInput.ModelReplied replied) {
            next = state.phase() == Phase.THINKING ? replied(state, replied.outcome(), out) : state;
        } else if (input instanceof TurnInput.ToolFinished finished) {
            next = toolFinished(state, finished, out);
        } else if (input instanceof TurnInput.ApprovalPending pending) {
            next = approvalPending(state, pending, out);
        } else if (input instanceof TurnInput.ApprovalDecided decided) {
            next = approvalDecided(state, decided, out);
        } else if (input instanceof TurnInput.Paused) {
            next = state.phase() == Phase.PAUSING ? state.in(Phase.ENDED) : state; // resumed later by a new runner
        } else if (input instanceof TurnInput.PauseRefused) {
            next = pauseRefused(state, out);
        } else if (input instanceof TurnInput.CancelRequested cancel) {
            next = state.phase() == Phase.NEW || state.phase() == Phase.LOADING
                    ? state.begun(state.resumed(), state.attempt(), true) // ended once loaded: its calls are known then
                    : finish(state, Turn.CANCELLED, "cancelled", cancel.reason(), List.of(), out);
        } else if (input instanceof TurnInput.TimedOut) {
            next = fail(state, "turn_timeout", "the turn took longer than " + state.policy().timeout(), List.of(), out);
        } else if (input instanceof TurnInput.Stopped) {
            next = state.in(Phase.ENDED); // it must not even end the turn: the journal is the truth now
        } else if (input instanceof TurnInput.Crashed crashed) {
            next = fail(state, "internal_error", "the runtime hit an error: " + crashed.message(), List.of(), out);
        }
        return new Step(next, List.copyOf(out));
    }

    private static TurnState begin(TurnState state, TurnInput.Begun begun, List<Directive> out) {
        // a cancel heard before the journal's word on the turn (fed as the run registered) stands
        TurnState next = state.begun(begun.resumed(), begun.attempt(),
                state.cancelRequested() || begun.cancelRequested());
        if (begun.refused() != null) {
            // a message sent while the session was busy, to an agent that turns such away: it never joins the talk
            return fail(next, Turn.BUSY, begun.refused(), List.of(), out);
        }
        out.add(new Directive.Load());
        return next.in(Phase.LOADING);
    }

    /** Picks the turn up where its committed steps leave it: calls still without a result, or the next model call. */
    private static TurnState load(TurnState state, TurnInput.Loaded loaded, List<Directive> out) {
        Resume resume = resume(loaded.thisTurn());
        TurnState next = state.loaded(loaded.policy(), resume.round()).withCalls(resume.unanswered(), false);
        if (state.cancelRequested()) {
            return finish(next, Turn.CANCELLED, "cancelled", "cancelled before it started", List.of(), out);
        }
        if (state.attempt() > loaded.policy().maxAttempts()) {
            // its runner crashed on it every time: stop here rather than take the next runner down too
            return fail(next, "runner_crashed", "the turn's runner stopped " + (state.attempt() - 1)
                    + " times while running it", List.of(), out);
        }
        out.add(new Directive.Announce(state.resumed(), state.attempt(), loaded.thisTurn().get(0).content()));
        // the round's results committed before its runner stopped: their events may have been lost with it, and the
        // resumption voids what streamed, so they are told again (a reader that had them changes nothing)
        resume.answered().forEach((call, result) -> {
            out.add(new ToolStarted(call));
            out.add(new ToolEnded(call, result, false));
        });
        out.add(new Directive.StartClock(loaded.policy().timeout()));
        if (next.calls().isEmpty()) {
            out.add(new CallModel(next.round()));
            return next.in(Phase.THINKING);
        }
        return dispatch(next.in(Phase.ACTING), out);
    }

    private static TurnState replied(TurnState state, LlmOutcome reply, List<Directive> out) {
        TurnState next = state.used(reply.inputTokens(), reply.outputTokens(), reply.costUsd());
        List<ChatMessage> partial = reply.text().isEmpty() ? List.of() : List.of(ChatMessage.assistant(reply.text(), List.of()));
        if (reply.failed()) {
            return fail(next, reply.failureCode(), "the model call failed: " + reply.failureMessage(), partial, out);
        }
        if (reply.toolCalls().isEmpty()) {
            return finish(next, Turn.COMPLETED, null, null, List.of(ChatMessage.assistant(reply.text(), List.of())), out);
        }
        // an answer is kept even past the budget (its tokens are spent); going on to more calls is not
        Integer maxTokens = state.policy().maxTurnTokens();
        int used = next.inputTokens() + next.outputTokens();
        if (maxTokens != null && used > maxTokens) {
            return fail(next, "token_limit", "the turn used " + used + " tokens, more than the agent's limit of "
                    + maxTokens, partial, out);
        }
        if (state.round() >= state.policy().maxToolRounds()) {
            return fail(next, "tool_loop_limit", "the model kept calling tools after " + state.policy().maxToolRounds()
                    + " rounds", partial, out);
        }
        List<ToolCall> calls = ownCallIds(reply.toolCalls(), state.round());
        // committed before any tool runs: a runner that takes the turn over reuses it instead of asking again
        out.add(new Record(ChatMessage.assistant(reply.text(), calls)));
        return dispatch(next.withCalls(calls, true).in(Phase.ACTING), out);
    }

    /** Starts the round's new calls: refused, invalid, asked about, or run. */
    private static TurnState dispatch(TurnState state, List<Directive> out) {
        TurnPolicy policy = state.policy();
        TurnState next = state;
        for (TurnState.Call c : state.calls()) {
            if (c.status() != CallStatus.NEW) {
                continue;
            }
            ToolCall call = c.call();
            String problems = policy.tools().contains(call.name())
                    ? policy.arguments().problems(call.name(), call.arguments())
                    : "tool " + call.name() + " is not available to this agent";
            if (problems != null) {
                // the model hears why and may answer otherwise
                out.add(new ToolStarted(call));
                next = answered(next, call, problems, true, out);
            } else if (policy.approvalRequired().contains(call.name())) {
                out.add(new AskApproval(call));
                next = next.call(call.id(), x -> x.with(CallStatus.ASKING));
            } else {
                next = run(next, call, out);
            }
        }
        return settle(next, out);
    }

    private static TurnState run(TurnState state, ToolCall call, List<Directive> out) {
        out.add(new ToolStarted(call));
        // the same key on every attempt of this step, so a tool that was called before a crash can dedupe
        out.add(new RunTool(call, state.sessionId() + "/" + state.turnId() + "/" + call.id()));
        return state.call(call.id(), x -> x.with(CallStatus.RUNNING));
    }

    /** Records the call's result (cut to size) and tells the stream. */
    private static TurnState answered(TurnState state, ToolCall call, String result, boolean error,
                                      List<Directive> out) {
        String kept = cut(result, state.policy().maxResultChars());
        out.add(new Record(ChatMessage.toolResult(call.id(), kept)));
        out.add(new ToolEnded(call, kept, error));
        return state.call(call.id(), x -> x.with(CallStatus.DONE));
    }

    private static TurnState toolFinished(TurnState state, TurnInput.ToolFinished finished, List<Directive> out) {
        TurnState.Call c = state.call(finished.callId());
        if (state.phase() != Phase.ACTING || c == null || c.status() != CallStatus.RUNNING) {
            return state;
        }
        TurnState next = answered(state, c.call(), finished.result(), finished.error(), out);
        return settle(finished.failure() == null ? next : next.failedTool(finished.failure()), out);
    }

    private static TurnState approvalDecided(TurnState state, TurnInput.ApprovalDecided decided, List<Directive> out) {
        TurnState.Call c = state.call(decided.callId());
        if (state.phase() != Phase.ACTING || c == null
                || (c.status() != CallStatus.ASKING && c.status() != CallStatus.AWAITING)) {
            return state;
        }
        if (decided.approved()) {
            return settle(run(state, c.call(), out), out);
        }
        out.add(new ToolStarted(c.call()));
        String reason = decided.reason() == null || decided.reason().isBlank() ? "" : ": " + decided.reason();
        return settle(answered(state, c.call(), "an operator denied this call" + reason, true, out), out);
    }

    /** Decided meanwhile: the decisions are read again (as the answers to asking once more). */
    private static TurnState pauseRefused(TurnState state, List<Directive> out) {
        if (state.phase() != Phase.PAUSING) {
            return state;
        }
        TurnState next = state.in(Phase.ACTING);
        for (TurnState.Call c : state.calls()) {
            if (c.status() == CallStatus.AWAITING) {
                out.add(new AskApproval(c.call()));
                next = next.call(c.call().id(), x -> x.with(CallStatus.ASKING));
            }
        }
        return next;
    }

    /** Operators are asked about a call: the stream is told, among the turn's other events and in their order. */
    private static TurnState approvalPending(TurnState state, TurnInput.ApprovalPending pending, List<Directive> out) {
        TurnState.Call asking = state.call(pending.callId());
        if (asking == null || asking.status() != CallStatus.ASKING) {
            return settle(state, out);
        }
        out.add(new Directive.ApprovalAsked(asking.call(), pending.approvalId()));
        return settle(state.call(pending.callId(), c -> c.with(CallStatus.AWAITING)), out);
    }

    /**
     * Once no call of the round is still running or being asked about: a broken tool fails the turn; calls waiting
     * for operators pause it; otherwise the model hears the results.
     */
    private static TurnState settle(TurnState state, List<Directive> out) {
        if (state.phase() != Phase.ACTING || state.any(CallStatus.NEW, CallStatus.ASKING, CallStatus.RUNNING)) {
            return state;
        }
        if (state.toolFailure() != null) {
            return fail(state, "tool_failed", state.toolFailure(), List.of(), out);
        }
        if (state.any(CallStatus.AWAITING)) {
            out.add(new Directive.Pause());
            return state.in(Phase.PAUSING);
        }
        out.add(new CallModel(state.round()));
        return state.in(Phase.THINKING);
    }

    private static TurnState fail(TurnState state, String code, String reason, List<ChatMessage> partial,
                                  List<Directive> out) {
        return finish(state, Turn.FAILED, code, reason, partial, out);
    }

    /**
     * Ends the turn. Calls the model made that have no result get one saying so, so the conversation stays one a
     * model accepts (every call answered); then {@code messages} (an answer, or partial text).
     */
    private static TurnState finish(TurnState state, String status, String code, String reason,
                                    List<ChatMessage> messages, List<Directive> out) {
        List<ChatMessage> closing = new ArrayList<>();
        for (ToolCall call : state.unanswered()) {
            closing.add(ChatMessage.toolResult(call.id(), "no result: the turn ended (" + code + ") while "
                    + call.name() + " ran"));
        }
        closing.addAll(messages);
        String answer = status.equals(Turn.COMPLETED) ? messages.get(0).content() : null;
        out.add(new Finish(status, code, reason, List.copyOf(closing), answer, state.inputTokens(),
                state.outputTokens(), state.costUsd()));
        return state.in(Phase.ENDED);
    }

    private static String cut(String result, int max) {
        if (result == null || result.length() <= max) {
            return result;
        }
        // never between the two halves of a character (the journal could not store half of one)
        int end = max > 0 && Character.isHighSurrogate(result.charAt(max - 1)) ? max - 1 : max;
        return result.substring(0, end) + "\n[result cut: " + (result.length() - end) + " more characters]";
    }

    /**
     * The model's calls with ids of the runtime's own: {@code call_r<round>_<n>}, unique within the turn (the
     * idempotency key, the approval and a sub-agent's session are keyed by turn and call id). A model's own ids are
     * never trusted for that: Ollama's are {@code call_0} every round, and a model may repeat an id on purpose.
     */
    static List<ToolCall> ownCallIds(List<ToolCall> calls, int round) {
        List<ToolCall> renamed = new ArrayList<>();
        for (ToolCall call : calls) {
            renamed.add(new ToolCall("call_r" + round + "_" + renamed.size(), call.name(), call.arguments()));
        }
        return List.copyOf(renamed);
    }

    /**
     * Where a turn picks up, from its committed messages (the user's message first, then what the turn added). Each
     * committed model result with tool calls counts as a round done; the calls of the last one that have no committed
     * result still have to run.
     */
    static Resume resume(List<ChatMessage> turnMessages) {
        int rounds = 0;
        List<ToolCall> lastCalls = List.of();
        Map<String, String> results = new HashMap<>();
        for (ChatMessage m : turnMessages) {
            if (m.role().equals("assistant") && m.toolCalls() != null && !m.toolCalls().isEmpty()) {
                rounds++;
                lastCalls = m.toolCalls();
                results.clear();
            } else if (m.role().equals("tool")) {
                results.put(m.toolCallId(), m.content());
            }
        }
        Map<ToolCall, String> answered = new LinkedHashMap<>();
        lastCalls.stream().filter(call -> results.containsKey(call.id()))
                .forEach(call -> answered.put(call, results.get(call.id())));
        return new Resume(rounds, lastCalls.stream().filter(call -> !results.containsKey(call.id())).toList(),
                answered);
    }

    /**
     * @param round      the round whose model call comes next (rounds already done)
     * @param unanswered tool calls of the last committed model result still to run before that call
     * @param answered   the calls of that result that have their result committed, with it
     */
    record Resume(int round, List<ToolCall> unanswered, Map<ToolCall, String> answered) {
    }
}

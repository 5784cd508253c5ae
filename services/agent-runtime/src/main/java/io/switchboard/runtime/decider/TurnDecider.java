package io.switchboard.runtime.decider;

import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ToolCall;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The pure step of a turn: given what the model produced, decide what happens next. No I/O. */
public final class TurnDecider {
    private TurnDecider() {
    }

    /**
     * @param outcome      the model call just finished
     * @param round        how many tool rounds this turn has run so far
     * @param maxRounds    the agent's limit of tool rounds per turn
     * @param agentTools   the tools this agent may use; anything else the model asks for is refused
     * @param tokensUsed   input and output tokens of the turn's model calls so far, this one included
     * @param maxTokens    the agent's token budget of a turn, or null
     */
    public static Decision afterModelCall(LlmOutcome outcome, int round, int maxRounds, Set<String> agentTools,
                                          int tokensUsed, Integer maxTokens) {
        if (outcome.failed()) {
            return new Decision.Fail(outcome.failureCode(), "the model call failed: " + outcome.failureMessage());
        }
        if (outcome.toolCalls().isEmpty()) {
            return new Decision.Answer(outcome.text());
        }
        // an answer is kept even past the budget (its tokens are spent); going on to more calls is not
        if (maxTokens != null && tokensUsed > maxTokens) {
            return new Decision.Fail("token_limit",
                    "the turn used " + tokensUsed + " tokens, more than the agent's limit of " + maxTokens);
        }
        if (round >= maxRounds) {
            return new Decision.Fail("tool_loop_limit",
                    "the model kept calling tools after " + maxRounds + " rounds");
        }
        List<ToolCall> allowed = new ArrayList<>();
        List<ToolCall> refused = new ArrayList<>();
        for (ToolCall call : outcome.toolCalls()) {
            (agentTools.contains(call.name()) ? allowed : refused).add(call);
        }
        return new Decision.RunTools(allowed, refused);
    }

    /**
     * The model's result with call ids of the runtime's own: {@code call_r<round>_<n>}, unique within the turn (the
     * idempotency key, the approval and a sub-agent's session are keyed by turn and call id). A model's own ids are
     * never trusted for that: Ollama's are {@code call_0} every round, and a model may repeat an id on purpose.
     */
    public static LlmOutcome withOwnCallIds(LlmOutcome outcome, int round) {
        if (outcome.toolCalls().isEmpty()) {
            return outcome;
        }
        List<ToolCall> renamed = new ArrayList<>();
        for (ToolCall call : outcome.toolCalls()) {
            renamed.add(new ToolCall("call_r" + round + "_" + renamed.size(), call.name(), call.arguments()));
        }
        return outcome.withToolCalls(renamed);
    }

    /**
     * Where a turn picks up, from its committed messages (the user's message first, then what the turn added). Each
     * committed model result with tool calls counts as a round done; the calls of the last one that have no committed
     * result still have to run.
     */
    public static Resume resume(List<ChatMessage> turnMessages) {
        int rounds = 0;
        List<ToolCall> lastCalls = List.of();
        Set<String> answered = new HashSet<>();
        for (ChatMessage m : turnMessages) {
            if (m.role().equals("assistant") && m.toolCalls() != null && !m.toolCalls().isEmpty()) {
                rounds++;
                lastCalls = m.toolCalls();
                answered.clear();
            } else if (m.role().equals("tool")) {
                answered.add(m.toolCallId());
            }
        }
        List<ToolCall> unanswered = lastCalls.stream().filter(call -> !answered.contains(call.id())).toList();
        return new Resume(rounds, unanswered);
    }

    /**
     * @param round      the round whose model call comes next (rounds already done)
     * @param unanswered tool calls of the last committed model result still to run before that call
     */
    public record Resume(int round, List<ToolCall> unanswered) {
    }
}

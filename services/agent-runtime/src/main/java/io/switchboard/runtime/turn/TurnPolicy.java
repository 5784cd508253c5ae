package io.switchboard.runtime.turn;

import java.time.Duration;
import java.util.Set;

/**
 * What a turn may do, as its agent version and the runtime's settings say.
 *
 * @param tools            the tools the agent has (anything else the model asks for is refused)
 * @param approvalRequired the tools whose calls wait for an operator
 * @param arguments        checks a call's arguments against its tool's schema
 * @param maxToolRounds    model calls that may ask for tools, per turn
 * @param maxTurnTokens    input and output tokens of a turn's model calls, or null
 * @param maxResultChars   a longer tool result is cut (it goes into every later prompt)
 * @param timeout          the turn's wall-time limit
 * @param maxAttempts      runners that may stop while running the turn before it is given up
 */
public record TurnPolicy(Set<String> tools, Set<String> approvalRequired, ArgumentCheck arguments, int maxToolRounds,
                         Integer maxTurnTokens, int maxResultChars, Duration timeout, int maxAttempts) {

    /** Why the arguments do not fit the tool's schema, or null. Pure. */
    @FunctionalInterface
    public interface ArgumentCheck {
        String problems(String tool, String arguments);
    }
}

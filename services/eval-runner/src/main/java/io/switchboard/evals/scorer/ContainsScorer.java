package io.switchboard.evals.scorer;

import java.util.Locale;

/** Passes when the answer contains the expected text, ignoring case and surrounding whitespace. */
public final class ContainsScorer {
    private ContainsScorer() {
    }

    public static boolean passes(String answer, String expected) {
        if (answer == null) {
            return false;
        }
        return answer.toLowerCase(Locale.ROOT).contains(expected.strip().toLowerCase(Locale.ROOT));
    }
}

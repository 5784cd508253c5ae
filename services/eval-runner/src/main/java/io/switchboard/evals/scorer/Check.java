package io.switchboard.evals.scorer;

/**
 * How one expectation came out: {@code pass}, {@code fail}, or {@code error} (it could not be checked: a judge that
 * failed or answered unreadably). {@code score} is from 0 to 1 (a judge's, else 1 or 0).
 */
public record Check(String expectation, int line, String outcome, double score, String reason) {
    public static final String PASS = "pass";
    public static final String FAIL = "fail";
    public static final String ERROR = "error";

    static Check pass(String expectation, int line, String reason) {
        return new Check(expectation, line, PASS, 1, reason);
    }

    static Check fail(String expectation, int line, String reason) {
        return new Check(expectation, line, FAIL, 0, reason);
    }

    static Check error(String expectation, int line, String reason) {
        return new Check(expectation, line, ERROR, 0, reason);
    }

    /** The worst of the outcomes: fail over error over pass. */
    public static String worst(Iterable<Check> checks) {
        String worst = PASS;
        for (Check check : checks) {
            if (check.outcome().equals(FAIL)) {
                return FAIL;
            }
            if (check.outcome().equals(ERROR)) {
                worst = ERROR;
            }
        }
        return worst;
    }
}

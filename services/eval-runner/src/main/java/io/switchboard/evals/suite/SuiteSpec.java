package io.switchboard.evals.suite;

import com.cronutils.model.time.ExecutionTime;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;

/**
 * A suite as its YAML (or JSON) document says it: which agent, how often each case runs, and the cases. A case is one
 * session: the user's turns, each with its expectations, or a simulated user who talks until its goal is met; its own
 * {@code expect} list is checked against the whole conversation.
 */
public record SuiteSpec(String name, String agent, Integer version, int repeat, String judgeModel, Integer parallel,
                        double passThreshold, Schedule schedule, List<CaseSpec> cases) {

    /** When the suite runs by itself: a cron expression in a time zone. */
    public record Schedule(String cron, ZoneId zone, ExecutionTime times) {
        /** The first tick after {@code now}. */
        public Instant next(Instant now) {
            return times.nextExecution(now.atZone(zone)).map(ZonedDateTime::toInstant).orElse(null);
        }
    }

    public static final String DEFAULT_JUDGE_MODEL = "judge";

    public record CaseSpec(String name, List<TurnSpec> turns, SimulatedUser simulatedUser,
                           List<Expectation> expect) {

        /** Every expectation of the case, its turns' and its own. */
        public List<Expectation> allExpectations() {
            List<Expectation> all = new java.util.ArrayList<>(expect);
            turns.forEach(turn -> all.addAll(turn.expect()));
            return all;
        }
    }

    public record TurnSpec(String user, List<Expectation> expect) {
    }

    /** A user played by a model: {@code persona} and {@code goal}, at most {@code maxTurns} messages. */
    public record SimulatedUser(String persona, String goal, int maxTurns, String model) {
    }
}

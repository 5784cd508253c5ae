package io.switchboard.evals.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** eval-runner settings ({@code evals.*}). */
@ConfigMapping(prefix = "evals")
public interface EvalConfig {

    /** How long one turn of a case waits for its end before the case fails as timed out. */
    @WithDefault("2m")
    Duration turnTimeout();

    /** Most cases one suite may have. */
    @WithDefault("200")
    int maxCases();

    /** Most cases of one run in flight at once (a suite's {@code parallel} may ask for fewer). */
    @WithDefault("8")
    int parallelCases();

    /** How often a replica renews its runs' leases and looks for runs whose runner died. */
    @WithDefault("10s")
    Duration heartbeat();

    /** How often a replica looks for suites whose schedule is due. */
    @WithDefault("15s")
    Duration scheduleCheck();

    /** How long a run stays this replica's without a renewal (renewed every {@code evals.heartbeat}). */
    @WithDefault("30s")
    Duration lease();

    /**
     * Most runs of one organization running at once (more are refused with 429); also how many runs one replica takes
     * up from replicas that died, at a time.
     */
    @WithDefault("4")
    int maxRunningRuns();

    /** How long a publish waits for the suites its agent requires to pass. */
    @WithDefault("10m")
    Duration gateTimeout();

    /** How many times a run is taken up after its runner died before it ends {@code interrupted}. */
    @WithDefault("3")
    int maxAttempts();
}

package io.switchboard.evals.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** eval-runner settings ({@code evals.*}). */
@ConfigMapping(prefix = "evals")
public interface EvalConfig {

    /** How long one case waits for its turn to end before it fails as timed out. */
    @WithDefault("2m")
    Duration turnTimeout();

    /** Most cases one suite may have. */
    @WithDefault("200")
    int maxCases();
}

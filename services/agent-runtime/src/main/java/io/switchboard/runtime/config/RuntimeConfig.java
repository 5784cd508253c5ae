package io.switchboard.runtime.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** agent-runtime settings ({@code runtime.*}). */
@ConfigMapping(prefix = "runtime")
public interface RuntimeConfig {

    Message message();

    Turn turn();

    Tools tools();

    interface Message {
        /** Longest user message accepted, in characters; longer ones get 413. */
        @WithDefault("32000")
        int maxChars();
    }

    interface Turn {
        /** How many times one turn may go model -> tools -> model before it fails with {@code tool_loop_limit}. */
        @WithDefault("8")
        int maxToolRounds();

        /** Wall-clock limit of one turn; past it the turn fails with {@code turn_timeout}. */
        @WithDefault("5m")
        Duration timeout();
    }

    interface Tools {
        /** Limit for one tool call. */
        @WithDefault("30s")
        Duration timeout();
    }
}

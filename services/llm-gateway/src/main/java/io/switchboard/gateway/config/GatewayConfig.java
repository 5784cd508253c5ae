package io.switchboard.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** llm-gateway settings ({@code gateway.*}). */
@ConfigMapping(prefix = "gateway")
public interface GatewayConfig {

    Sim sim();

    Calls calls();

    interface Sim {
        /** Pause between two streamed chunks of the offline {@code sim} model; 0 streams as fast as it can. */
        @WithDefault("40ms")
        Duration tokenInterval();
    }

    interface Calls {
        /** How often recorded calls are written to {@code gateway.llm_calls}, in one batch. */
        @WithDefault("1s")
        Duration flushInterval();
    }
}

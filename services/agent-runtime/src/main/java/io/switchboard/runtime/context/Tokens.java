package io.switchboard.runtime.context;

import io.quarkus.runtime.StartupEvent;
import io.switchboard.tokens.TokenCounter;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The runtime's token counter. */
public class Tokens {
    @Produces
    @Singleton
    TokenCounter counter() {
        return new TokenCounter();
    }

    /**
     * Loads the encoding in the background a few seconds after start-up: on the main thread it took a sixth of the
     * start's CPU (with the other services starting beside it on the same cores). A turn that needs it sooner loads it
     * on a worker thread ({@link ContextWindow}).
     */
    void loadSoon(@Observes StartupEvent start, TokenCounter counter) {
        CompletableFuture.delayedExecutor(5, TimeUnit.SECONDS).execute(counter::load);
    }
}

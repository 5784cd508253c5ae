package io.switchboard.runtime.context;

import io.quarkus.runtime.Startup;
import io.switchboard.tokens.TokenCounter;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The runtime's token counter, made at start-up: the first turn should not wait the second its encoding takes. */
public class Tokens {
    @Produces
    @Singleton
    @Startup
    TokenCounter counter() {
        return new TokenCounter();
    }
}

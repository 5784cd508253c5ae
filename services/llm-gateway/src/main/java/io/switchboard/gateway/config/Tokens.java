package io.switchboard.gateway.config;

import io.switchboard.tokens.TokenCounter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/**
 * The gateway's token counter, for {@code count_tokens} and usage estimates. Its encoding loads on its first count
 * (on a worker thread), not at start-up: a gateway nobody asks to count saves the encoding's memory.
 */
public class Tokens {
    @Produces
    @ApplicationScoped
    TokenCounter counter() {
        return new TokenCounter();
    }
}

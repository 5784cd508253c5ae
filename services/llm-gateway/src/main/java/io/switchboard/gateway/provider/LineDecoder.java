package io.switchboard.gateway.provider;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Turns a provider's streamed response body into events, line by line: one per call, called by one thread at a time.
 * A line that cannot be read, or a body that ends too early, throws a {@link ProviderException}.
 */
public interface LineDecoder {

    /** The events one line of the body (without its line break) completes; often none. */
    List<ProviderEvent> line(String line);

    /** The events the end of the body completes. */
    List<ProviderEvent> end();

    static LineDecoder of(Function<String, List<ProviderEvent>> line, Supplier<List<ProviderEvent>> end) {
        return new LineDecoder() {
            @Override
            public List<ProviderEvent> line(String text) {
                return line.apply(text);
            }

            @Override
            public List<ProviderEvent> end() {
                return end.get();
            }
        };
    }
}

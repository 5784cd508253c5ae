package io.switchboard.runtime.tools;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Something an agent can do. Implementations must not block the calling thread. */
public interface Tool {

    String name();

    String description();

    /** JSON Schema of the arguments. */
    Map<String, Object> parameters();

    /** How long a call may take, when not {@code runtime.tools.timeout}. */
    default Optional<Duration> timeout() {
        return Optional.empty();
    }

    /**
     * Runs the tool with its arguments (a JSON object as text, already checked against {@link #parameters()}) and
     * gives the result as text for the model. A runner that took over a crashed one may call again for the same step,
     * with the same {@link ToolContext#idempotencyKey()}.
     */
    Uni<String> call(String arguments, ToolContext context);

    /**
     * A call the tool will not carry out as asked (bad arguments, an address it may not reach): the model is told
     * why and may try otherwise; the turn goes on. Any other failure of a tool fails the turn.
     */
    class Rejected extends RuntimeException {
        public Rejected(String reason) {
            super(reason, null, false, false);
        }
    }
}

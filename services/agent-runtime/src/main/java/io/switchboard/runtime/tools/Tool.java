package io.switchboard.runtime.tools;

import io.smallrye.mutiny.Uni;
import java.util.Map;

/** Something an agent can do. Implementations must not block the calling thread. */
public interface Tool {

    String name();

    String description();

    /** JSON Schema of the arguments. */
    Map<String, Object> parameters();

    /**
     * Runs the tool with its arguments (a JSON object as text) and gives the result as text for the model.
     * {@code idempotencyKey} is the same every time this step of the turn is attempted (a runner that took over a
     * crashed one calls again with it): tools with side effects pass it on so they happen once.
     */
    Uni<String> call(String arguments, String idempotencyKey);

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

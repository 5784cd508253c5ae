package io.switchboard.gateway.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.contracts.llm.GenerationSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * The generation settings of a request that a vendor's API has no field for. The call is refused before it goes out,
 * naming them (a 400 at the front doors), unless the request says to drop them: a client asking for {@code top_k} at
 * OpenAI should learn that it is not honoured, not get an answer as if it were.
 */
public final class Unsupported {
    private final String vendor;
    private final List<String> names = new ArrayList<>();

    public Unsupported(String vendor) {
        this.vendor = vendor;
    }

    /** Notes {@code name} when {@code value} is set. */
    public Unsupported when(String name, Object value) {
        if (value != null) {
            names.add(name);
        }
        return this;
    }

    /** Refuses the call if anything was noted and the request does not say to drop it. */
    public void refuseUnlessDropped(GenerationSettings settings) {
        if (!names.isEmpty() && !settings.dropUnsupported()) {
            throw new ProviderException(ProviderException.Kind.INVALID_REQUEST, 400, vendor + " cannot honour "
                    + String.join(", ", names) + "; leave " + (names.size() == 1 ? "it" : "them")
                    + " out, or send drop_params: true to go on without " + (names.size() == 1 ? "it" : "them"),
                    null);
        }
    }

    /** Sets {@code field} to {@code value}, unless it is null (a vendor's default is never overridden by a null). */
    public static void put(ObjectNode body, String field, Object value) {
        if (value != null) {
            body.set(field, Json.MAPPER.valueToTree(value));
        }
    }
}

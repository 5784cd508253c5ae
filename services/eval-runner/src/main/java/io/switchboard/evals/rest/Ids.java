package io.switchboard.evals.rest;

import io.switchboard.api.Problem;
import java.util.UUID;

final class Ids {
    private Ids() {
    }

    /** The text as a UUID, or null when it is not one (a name, say). */
    static UUID orNull(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The id from a path; an id that cannot exist is answered like one that does not. */
    static UUID parse(String id, String what) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw Problem.notFound(what + " " + id + " does not exist");
        }
    }
}

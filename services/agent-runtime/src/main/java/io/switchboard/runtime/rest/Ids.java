package io.switchboard.runtime.rest;

import io.switchboard.api.Problem;
import java.util.UUID;

final class Ids {
    private Ids() {
    }

    /** The id from a path; an id that cannot exist is answered like one that does not. */
    static UUID parse(String id, String what) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw Problem.notFound(what + " " + id + " does not exist");
        }
    }

    /** The id, or null when the text is not one. */
    static UUID orNull(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException | NullPointerException e) {
            return null;
        }
    }

    /** The id from a body field; {@code problem} when it is not one. */
    static UUID parseOr(String id, java.util.function.Supplier<Problem> problem) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw problem.get();
        }
    }
}

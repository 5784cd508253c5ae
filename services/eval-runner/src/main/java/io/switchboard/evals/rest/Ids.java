package io.switchboard.evals.rest;

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
}

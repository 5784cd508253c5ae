package io.switchboard.admin.rest;

import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.util.Map;

/** Turns a failed call to another service into a sentence for the page. */
final class Problems {
    private Problems() {
    }

    static String describe(Throwable failure) {
        if (failure instanceof WebApplicationException web) {
            try {
                Map<?, ?> problem = web.getResponse().readEntity(Map.class);
                Object detail = problem.get("detail");
                if (detail != null) {
                    return detail.toString();
                }
            } catch (RuntimeException unreadable) {
                // not problem+json: fall through to the status line
            }
            return "the service answered " + web.getResponse().getStatus();
        }
        if (failure instanceof ProcessingException) {
            return "the service is not reachable: " + failure.getMessage();
        }
        return failure.getMessage();
    }

    /** The HTTP status to answer with when a call to another service failed. */
    static int status(Throwable failure) {
        if (failure instanceof WebApplicationException web) {
            int status = web.getResponse().getStatus();
            return status >= 500 ? 502 : status;
        }
        return 503;
    }
}

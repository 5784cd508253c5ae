package io.switchboard.admin.rest;

import io.vertx.core.VertxException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Turns a failed call to another service into a sentence for the page. Only what the service answered is passed on;
 * the failure's own message (an address, a client's class and method) goes to the log, not to the browser, which
 * may not be signed in yet.
 */
final class Problems {
    private static final Logger LOG = Logger.getLogger(Problems.class);

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
        if (unreachable(failure)) {
            LOG.debugf("a service could not be reached: %s", failure);
            return "the service is not reachable right now; try again in a moment";
        }
        String id = UUID.randomUUID().toString();
        LOG.errorf(failure, "a call to another service failed (error id %s)", id);
        return "an unexpected error (id " + id + " in the service's log)";
    }

    /** The HTTP status to answer with when a call to another service failed. */
    static int status(Throwable failure) {
        if (failure instanceof WebApplicationException web) {
            int status = web.getResponse().getStatus();
            return status >= 500 ? 502 : status;
        }
        return unreachable(failure) ? 503 : 500;
    }

    /** A connection refused, lost or timed out, rather than an answer. */
    private static boolean unreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ProcessingException || t instanceof IOException || t instanceof TimeoutException
                    || t instanceof VertxException) {
                return true;
            }
        }
        return false;
    }
}

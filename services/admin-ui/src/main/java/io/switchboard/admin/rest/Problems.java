package io.switchboard.admin.rest;

import io.vertx.core.http.HttpClosedException;
import jakarta.ws.rs.WebApplicationException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
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
    private static volatile long lastUnreachableLog;

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
            long now = System.currentTimeMillis();
            if (now - lastUnreachableLog > 60_000) { // once a minute: a service away fails every page
                lastUnreachableLog = now;
                LOG.warnf("a service could not be reached: %s", failure);
            }
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

    /**
     * A connection refused, lost or timed out, rather than an answer (an answer that cannot be read, also wrapped in
     * the REST client's {@code ProcessingException}, is unexpected).
     */
    private static boolean unreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SocketException || t instanceof UnknownHostException
                    || t instanceof SocketTimeoutException || t instanceof TimeoutException
                    || t instanceof HttpClosedException) {
                return true;
            }
        }
        return false;
    }
}

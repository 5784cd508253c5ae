package io.switchboard.api;

import io.vertx.core.VertxException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;
import java.net.ConnectException;
import java.time.Duration;

/** Failures that mean something a service needs is out of reach for now, not that what it was asked was wrong. */
public final class Unavailable {
    /** How long a client refused for such a failure is told to wait ({@code Retry-After}). */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private Unavailable() {
    }

    /**
     * Whether the failure, or one of its causes, is PostgreSQL out of reach: a connection refused or lost, the pool's
     * wait for one run out, the server shutting down or out of connections. Not a statement's own error. (A connection
     * refused may also be another service's, called over HTTP: out of reach all the same.)
     */
    public static boolean database(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof ClosedConnectionException
                    || (t instanceof VertxException && "Timeout waiting for connection".equals(t.getMessage()))) {
                return true;
            }
            if (t instanceof DatabaseException db && db.getSqlState() != null && (db.getSqlState().startsWith("08")
                    || db.getSqlState().startsWith("57P") || db.getSqlState().equals("53300"))) {
                return true;
            }
        }
        return false;
    }
}

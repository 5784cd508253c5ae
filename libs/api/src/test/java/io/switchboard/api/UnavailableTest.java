package io.switchboard.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Which failures are PostgreSQL out of reach (waited out, or a 503) and which are the statement's own. */
class UnavailableTest {

    @Test
    void aDatabaseOutOfReachIsWaitedFor() {
        assertThat(Unavailable.database(new CompletionException(new ConnectException("refused"))))
                .isTrue();
        assertThat(Unavailable.database(ClosedConnectionException.INSTANCE)).isTrue();
        assertThat(Unavailable.database(new VertxException("Timeout waiting for connection", true)))
                .isTrue();
        assertThat(Unavailable.database(new PgException("terminating connection", "FATAL", "57P01",
                null))).isTrue();
        assertThat(Unavailable.database(new PgException("too many clients", "FATAL", "53300", null)))
                .isTrue();
    }

    @Test
    void otherFailuresAreNot() {
        assertThat(Unavailable.database(new PgException("duplicate key", "ERROR", "23505", null)))
                .isFalse();
        assertThat(Unavailable.database(new IllegalStateException("a bug"))).isFalse();
    }
}

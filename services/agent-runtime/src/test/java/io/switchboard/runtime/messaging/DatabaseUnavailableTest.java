package io.switchboard.runtime.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Which failures to journal a command are waited out (PostgreSQL out of reach) and which are the command's own. */
class DatabaseUnavailableTest {

    @Test
    void aDatabaseOutOfReachIsWaitedFor() {
        assertThat(CommandConsumer.databaseUnavailable(new CompletionException(new ConnectException("refused"))))
                .isTrue();
        assertThat(CommandConsumer.databaseUnavailable(ClosedConnectionException.INSTANCE)).isTrue();
        assertThat(CommandConsumer.databaseUnavailable(new VertxException("Timeout waiting for connection", true)))
                .isTrue();
        assertThat(CommandConsumer.databaseUnavailable(new PgException("terminating connection", "FATAL", "57P01",
                null))).isTrue();
        assertThat(CommandConsumer.databaseUnavailable(new PgException("too many clients", "FATAL", "53300", null)))
                .isTrue();
    }

    @Test
    void otherFailuresAreNot() {
        assertThat(CommandConsumer.databaseUnavailable(new PgException("duplicate key", "ERROR", "23505", null)))
                .isFalse();
        assertThat(CommandConsumer.databaseUnavailable(new IllegalStateException("a bug"))).isFalse();
    }
}

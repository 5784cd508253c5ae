package io.switchboard.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} a real PostgreSQL: the one at {@code SWITCHBOARD_TEST_DB} (host:port/database, with
 * {@code SWITCHBOARD_TEST_DB_USER}/{@code _PASSWORD}) if set, else embedded binaries on a free port.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {
    private EmbeddedPostgresServer postgres;

    @Override
    public Map<String, String> start() {
        String external = System.getenv("SWITCHBOARD_TEST_DB");
        if (external != null && !external.isBlank()) {
            return datasource(external, System.getenv().getOrDefault("SWITCHBOARD_TEST_DB_USER", "switchboard"),
                    System.getenv().getOrDefault("SWITCHBOARD_TEST_DB_PASSWORD", "switchboard"));
        }
        postgres = EmbeddedPostgresServer.startThrowAway();
        return datasource("localhost:" + postgres.port() + "/" + EmbeddedPostgresServer.DATABASE,
                EmbeddedPostgresServer.USER, EmbeddedPostgresServer.PASSWORD);
    }

    private static Map<String, String> datasource(String hostPortDb, String user, String password) {
        return Map.of(
                "quarkus.datasource.reactive.url", "postgresql://" + hostPortDb,
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://" + hostPortDb,
                "quarkus.datasource.username", user,
                "quarkus.datasource.password", password);
    }

    @Override
    public void stop() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}

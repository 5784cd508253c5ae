package io.switchboard.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * PostgreSQL from the binaries on Maven Central (zonky), with a database and login role for the platform.
 * Throw-away for tests: a server with a data directory of its own keeps its data across a stop and a start (an
 * outage), and deletes it on close like the others.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    public static final String DATABASE = "switchboard";
    public static final String USER = "switchboard";
    public static final String PASSWORD = "switchboard";

    private final EmbeddedPostgres.Builder builder;
    /** The data directory to delete on close, or null when zonky deletes its own. */
    private final File dataDirectory;
    private EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres.Builder builder, File dataDirectory) throws IOException {
        this.builder = builder;
        this.dataDirectory = dataDirectory;
        this.postgres = builder.start();
    }

    /** A fresh server on a free port whose data is deleted on close. */
    public static EmbeddedPostgresServer startThrowAway() {
        return start(EmbeddedPostgres.builder().setServerConfig("fsync", "off"), null);
    }

    /**
     * A server for tests that keeps its data in {@code dataDirectory}, so it can be stopped ({@link #stop}, an outage)
     * and started again ({@link #startAgain}) on the same port with the same data. The directory is deleted on
     * close.
     */
    public static EmbeddedPostgresServer startStoppable(File dataDirectory, int port) {
        return startStoppable(dataDirectory, port, Map.of());
    }

    /** As {@link #startStoppable(File, int)}, with these server settings too. */
    public static EmbeddedPostgresServer startStoppable(File dataDirectory, int port, Map<String, String> settings) {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setServerConfig("fsync", "off").setPort(port)
                .setDataDirectory(dataDirectory).setCleanDataDirectory(false);
        settings.forEach(builder::setServerConfig);
        return start(builder, dataDirectory);
    }

    private static EmbeddedPostgresServer start(EmbeddedPostgres.Builder builder, File dataDirectory) {
        try {
            EmbeddedPostgresServer server = new EmbeddedPostgresServer(builder, dataDirectory);
            server.createDatabaseAndRole();
            return server;
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("could not start embedded PostgreSQL", e);
        }
    }

    private void createDatabaseAndRole() throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), "postgres", "postgres");
             Statement s = c.createStatement()) {
            if (!s.executeQuery("select 1 from pg_roles where rolname = '" + USER + "'").next()) {
                s.execute("create role " + USER + " login password '" + PASSWORD + "'");
            }
            if (!s.executeQuery("select 1 from pg_database where datname = '" + DATABASE + "'").next()) {
                s.execute("create database " + DATABASE + " owner " + USER);
            }
        }
    }

    public int port() {
        return postgres.getPort();
    }

    private String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port() + "/" + database;
    }

    /**
     * Transactions ended in the platform's database so far, committed or rolled back (a statement outside a
     * transaction is one): about its round trips. PostgreSQL counts them a second or so late.
     */
    public long transactions() throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl(DATABASE), USER, PASSWORD);
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("select xact_commit + xact_rollback from pg_stat_database"
                     + " where datname = current_database()")) {
            r.next();
            return r.getLong(1);
        }
    }

    /** The single number {@code query} gives (a count), from the platform's database. */
    public long count(String query) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl(DATABASE), USER, PASSWORD);
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery(query)) {
            r.next();
            return r.getLong(1);
        }
    }

    /**
     * What each statement cost the server so far, the costliest first: {@code pg_stat_statements}' calls, and its
     * planning and execution time in milliseconds (a server started with {@code shared_preload_libraries =
     * pg_stat_statements} and {@code pg_stat_statements.track_planning = on}).
     */
    public List<StatementCost> statementCosts() throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl(DATABASE), "postgres", "postgres");
             Statement s = c.createStatement()) {
            s.execute("create extension if not exists pg_stat_statements");
            List<StatementCost> costs = new ArrayList<>();
            try (ResultSet r = s.executeQuery("select queryid, query, calls, total_plan_time, total_exec_time"
                    + " from pg_stat_statements where dbid = (select oid from pg_database where datname = '" + DATABASE
                    + "') order by total_plan_time + total_exec_time desc")) {
                while (r.next()) {
                    costs.add(new StatementCost(r.getLong(1), r.getString(2), r.getLong(3), r.getDouble(4),
                            r.getDouble(5)));
                }
            }
            return costs;
        }
    }

    /** One statement's cost so far: see {@link #statementCosts}. */
    public record StatementCost(long id, String query, long calls, double planMillis, double execMillis) {
        /** What the statement cost since {@code earlier} (null: since the start). */
        public StatementCost since(StatementCost earlier) {
            return earlier == null ? this : new StatementCost(id, query, calls - earlier.calls,
                    planMillis - earlier.planMillis, execMillis - earlier.execMillis);
        }
    }

    /** Stops the server, as a crash or an outage would for its clients; its data stays. */
    public void stop() throws IOException {
        postgres.close();
    }

    /** Starts a stopped server again, on its port with its data (a server started with a data directory only). */
    public void startAgain() throws IOException {
        postgres = builder.start();
    }

    @Override
    public void close() throws IOException {
        try {
            postgres.close();
        } finally {
            if (dataDirectory != null) {
                Directories.delete(dataDirectory.toPath());
            }
        }
    }
}

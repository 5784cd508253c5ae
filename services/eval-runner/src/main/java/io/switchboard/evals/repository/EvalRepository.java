package io.switchboard.evals.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/** Suites, their cases, runs and results in the {@code evals} schema. */
@ApplicationScoped
public class EvalRepository {
    private final Pool pool;

    public EvalRepository(Pool pool) {
        this.pool = pool;
    }

    public record Suite(UUID id, UUID orgId, String name, UUID agentId, Instant createdAt) {
    }

    public record Case(int position, String input, String expectContains) {
    }

    public record Run(UUID id, UUID suiteId, String status, int passed, int failed, Instant createdAt,
                      Instant finishedAt) {
    }

    public record Result(int position, UUID sessionId, boolean passed, String answer, String error, int latencyMs) {
    }

    /** Creates the suite with its cases, all or nothing. */
    public Uni<Suite> createSuite(UUID orgId, String name, UUID agentId, List<Case> cases) {
        UUID id = UUID.randomUUID();
        List<Tuple> rows = new ArrayList<>();
        for (Case c : cases) {
            rows.add(Tuple.of(id, c.position(), c.input(), c.expectContains()));
        }
        return pool.withTransaction(tx -> tx.preparedQuery("insert into evals.suites (id, name, agent_id, org_id)"
                                + " values ($1, $2, $3, $4) returning *")
                .execute(Tuple.of(id, name, agentId, orgId))
                .flatMap(suite -> tx.preparedQuery("insert into evals.cases (suite_id, position, input,"
                                + " expect_contains) values ($1, $2, $3, $4)").executeBatch(rows)
                        .map(x -> toSuite(suite.iterator().next()))));
    }

    public Uni<List<Suite>> suites(UUID orgId) {
        return pool.preparedQuery("select * from evals.suites where org_id = $1 order by created_at desc")
                .execute(Tuple.of(orgId))
                .map(rows -> all(rows, EvalRepository::toSuite));
    }

    /** The organization's suite, or null. */
    public Uni<Suite> suite(UUID orgId, UUID id) {
        return pool.preparedQuery("select * from evals.suites where id = $1 and org_id = $2")
                .execute(Tuple.of(id, orgId))
                .map(rows -> rows.size() == 0 ? null : toSuite(rows.iterator().next()));
    }

    public Uni<List<Case>> cases(UUID suiteId) {
        return pool.preparedQuery("select * from evals.cases where suite_id = $1 order by position")
                .execute(Tuple.of(suiteId))
                .map(rows -> all(rows, r -> new Case(r.getInteger("position"), r.getString("input"),
                        r.getString("expect_contains"))));
    }

    public Uni<Run> startRun(UUID suiteId) {
        return pool.preparedQuery("insert into evals.runs (id, suite_id, status) values ($1, $2, 'running')"
                        + " returning *")
                .execute(Tuple.of(UUID.randomUUID(), suiteId)).map(rows -> toRun(rows.iterator().next()));
    }

    public Uni<List<Run>> runs(UUID suiteId) {
        return pool.preparedQuery("select * from evals.runs where suite_id = $1 order by created_at desc")
                .execute(Tuple.of(suiteId)).map(rows -> all(rows, EvalRepository::toRun));
    }

    /** The organization's run, or null. */
    public Uni<Run> run(UUID orgId, UUID id) {
        return pool.preparedQuery("select r.* from evals.runs r join evals.suites s on s.id = r.suite_id"
                        + " where r.id = $1 and s.org_id = $2").execute(Tuple.of(id, orgId))
                .map(rows -> rows.size() == 0 ? null : toRun(rows.iterator().next()));
    }

    public Uni<List<Result>> results(UUID runId) {
        return pool.preparedQuery("select * from evals.results where run_id = $1 order by position")
                .execute(Tuple.of(runId))
                .map(rows -> all(rows, r -> new Result(r.getInteger("position"), r.getUUID("session_id"),
                        r.getBoolean("passed"), r.getString("answer"), r.getString("error"),
                        r.getInteger("latency_ms"))));
    }

    /** Records one case's result and counts it on the run. */
    public Uni<Void> addResult(UUID runId, Result result) {
        return pool.withTransaction(tx -> tx.preparedQuery("insert into evals.results (run_id, position, session_id,"
                                + " passed, answer, error, latency_ms) values ($1, $2, $3, $4, $5, $6, $7)"
                                + " on conflict do nothing")
                .execute(Tuple.from(new Object[] {runId, result.position(), result.sessionId(), result.passed(),
                        result.answer(), result.error(), result.latencyMs()}))
                .flatMap(inserted -> inserted.rowCount() == 0 ? Uni.createFrom().voidItem()
                        : tx.preparedQuery("update evals.runs set passed = passed + $2, failed = failed + $3"
                                        + " where id = $1")
                                .execute(Tuple.of(runId, result.passed() ? 1 : 0, result.passed() ? 0 : 1))
                                .replaceWithVoid()));
    }

    public Uni<Void> finishRun(UUID runId) {
        return pool.preparedQuery("update evals.runs set status = 'completed', finished_at = now() where id = $1")
                .execute(Tuple.of(runId)).replaceWithVoid();
    }

    private static <T> List<T> all(RowSet<Row> rows, Function<Row, T> map) {
        List<T> list = new ArrayList<>();
        rows.forEach(row -> list.add(map.apply(row)));
        return list;
    }

    private static Suite toSuite(Row r) {
        return new Suite(r.getUUID("id"), r.getUUID("org_id"), r.getString("name"), r.getUUID("agent_id"),
                r.getOffsetDateTime("created_at").toInstant());
    }

    private static Run toRun(Row r) {
        OffsetDateTime finished = r.getOffsetDateTime("finished_at");
        return new Run(r.getUUID("id"), r.getUUID("suite_id"), r.getString("status"), r.getInteger("passed"),
                r.getInteger("failed"), r.getOffsetDateTime("created_at").toInstant(),
                finished == null ? null : finished.toInstant());
    }
}

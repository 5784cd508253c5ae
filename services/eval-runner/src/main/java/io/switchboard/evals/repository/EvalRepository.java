package io.switchboard.evals.repository;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.switchboard.jobs.Jobs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/** Suites, runs (experiments) and their case results in the {@code evals} schema. */
@ApplicationScoped
public class EvalRepository {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RUN_COLUMNS = "id, suite_id, org_id, status, agent_id, agent_version, model,"
            + " baseline_id, passed, failed, errored, total, trigger, judge_prompt, error, created_at, finished_at";

    /** The job that starts a suite's scheduled runs ({@code service/SuiteSchedules}), keyed by the suite's id. */
    public static final String SUITE_SCHEDULE = "suite-schedule";

    private final Pool pool;
    private final Jobs jobs;

    public EvalRepository(Pool pool, Jobs jobs) {
        this.pool = pool;
        this.jobs = jobs;
    }

    /** A suite: its document (as stored: plain JSON) and, when it was sent as YAML, that text. */
    public record Suite(UUID id, UUID orgId, String name, UUID agentId, JsonNode document, String source,
                        Instant nextRunAt, Instant createdAt, Instant updatedAt) {
    }

    public record Run(UUID id, UUID suiteId, UUID orgId, String status, UUID agentId, Integer agentVersion,
                      String model, UUID baselineId, int passed, int failed, int errored, int total, String trigger,
                      String judgePrompt, String error, Instant createdAt, Instant finishedAt) {
        public static final String RUNNING = "running";
        public static final String COMPLETED = "completed";
        public static final String INTERRUPTED = "interrupted";
        public static final String FAILED = "failed";

        public int done() {
            return passed + failed + errored;
        }
    }

    /** One case's repetition: how it came out, and its turns and checks as JSON (see V3). */
    public record CaseResult(int caseIndex, int repetition, String caseName, UUID sessionId, Integer agentVersion,
                             String model, String outcome, String answer, String reason, int latencyMs, int tokens,
                             BigDecimal costUsd, JsonNode turns, JsonNode checks) {
    }

    /** A suite saved: {@code created} false when one of that name was replaced. */
    public record Saved(Suite suite, boolean created) {
    }

    /**
     * Creates the suite, or replaces the organization's suite of the same name; with its schedule's job (at
     * {@code nextRunAt}, or none), in the same transaction.
     */
    public Uni<Saved> saveSuite(UUID orgId, String name, UUID agentId, JsonNode document, String source,
                                Instant nextRunAt) {
        return pool.withTransaction(tx -> tx.preparedQuery("insert into evals.suites (id, org_id, name, agent_id,"
                        + " document, source, next_run_at) values ($1, $2, $3, $4, $5, $6, $7)"
                        + " on conflict (org_id, name) do update set agent_id = excluded.agent_id,"
                        + " document = excluded.document, source = excluded.source,"
                        + " next_run_at = excluded.next_run_at, updated_at = now() returning *, (xmax = 0) as created")
                .execute(Tuple.from(new Object[] {UUID.randomUUID(), orgId, name, agentId, object(document), source,
                        utc(nextRunAt)}))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new Saved(toSuite(row), row.getBoolean("created"));
                })
                .call(saved -> scheduled(tx, saved.suite())));
    }

    /** The suite's schedule's job: queued (or moved) to its next run, or taken off when it has no schedule. */
    private Uni<Void> scheduled(SqlClient tx, Suite suite) {
        String key = suite.id().toString();
        return suite.nextRunAt() == null ? jobs.remove(tx, SUITE_SCHEDULE, key).replaceWithVoid()
                : jobs.put(tx, SUITE_SCHEDULE, key, suite.id(), suite.orgId(), suite.nextRunAt());
    }

    /** Replaces the suite's document (and name); null when the organization has no such suite. */
    public Uni<Suite> updateSuite(UUID orgId, UUID id, String name, UUID agentId, JsonNode document, String source,
                                  Instant nextRunAt) {
        return pool.withTransaction(tx -> tx.preparedQuery("update evals.suites set name = $3, agent_id = $4,"
                        + " document = $5, source = $6, next_run_at = $7, updated_at = now() where id = $1"
                        + " and org_id = $2 returning *")
                .execute(Tuple.from(new Object[] {id, orgId, name, agentId, object(document), source,
                        utc(nextRunAt)}))
                .map(rows -> rows.size() == 0 ? null : toSuite(rows.iterator().next()))
                .call(suite -> suite == null ? Uni.createFrom().voidItem() : scheduled(tx, suite)));
    }

    public Uni<List<Suite>> suites(UUID orgId) {
        return pool.preparedQuery("select * from evals.suites where org_id = $1 order by name")
                .execute(Tuple.of(orgId)).map(rows -> all(rows, EvalRepository::toSuite));
    }

    /** The organization's suite, or null. */
    public Uni<Suite> suite(UUID orgId, UUID id) {
        return pool.preparedQuery("select * from evals.suites where id = $1 and org_id = $2")
                .execute(Tuple.of(id, orgId)).map(rows -> rows.size() == 0 ? null : toSuite(rows.iterator().next()));
    }

    /**
     * Takes the suite if its scheduled run is due, and moves it to its next tick in the same transaction, so a tick
     * is taken once; null when it is gone or not due (then {@link #suiteById} says when it is).
     */
    public Uni<Suite> takeDue(UUID suiteId, Function<Suite, Instant> next) {
        return pool.withTransaction(tx -> tx.preparedQuery("select * from evals.suites where id = $1"
                        + " and next_run_at <= now() for update").execute(Tuple.of(suiteId))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().nullItem();
                    }
                    Suite due = toSuite(rows.iterator().next());
                    return tx.preparedQuery("update evals.suites set next_run_at = $2 where id = $1")
                            .execute(Tuple.of(due.id(), utc(next.apply(due)))).replaceWith(due);
                }));
    }

    /** The suite, whoever's it is (for its scheduled runs); null when it is gone. */
    public Uni<Suite> suiteById(UUID id) {
        return pool.preparedQuery("select * from evals.suites where id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : toSuite(rows.iterator().next()));
    }

    /** A new run, held by {@code runner} for {@code lease}. */
    public Uni<Run> startRun(Suite suite, JsonNode document, Integer agentVersion, String model, UUID baselineId,
                             int total, String trigger, String judgePrompt, String runner, Duration lease) {
        return pool.preparedQuery("insert into evals.runs (id, suite_id, org_id, status, document, agent_id,"
                        + " agent_version, model, baseline_id, total, trigger, judge_prompt, runner, lease_until)"
                        + " values ($1, $2, $3, 'running', $4, $5, $6, $7, $8, $9, $10, $11, $12,"
                        + " now() + make_interval(secs => $13)) returning " + RUN_COLUMNS)
                .execute(Tuple.from(new Object[] {UUID.randomUUID(), suite.id(), suite.orgId(), object(document),
                        suite.agentId(), agentVersion, model, baselineId, total, trigger, judgePrompt, runner,
                        (double) lease.toSeconds()}))
                .map(rows -> toRun(rows.iterator().next()));
    }

    public Uni<List<Run>> runs(UUID suiteId, int limit) {
        return pool.preparedQuery("select " + RUN_COLUMNS + " from evals.runs where suite_id = $1"
                        + " order by created_at desc limit $2")
                .execute(Tuple.of(suiteId, limit)).map(rows -> all(rows, EvalRepository::toRun));
    }

    /** The organization's run, or null. */
    public Uni<Run> run(UUID orgId, UUID id) {
        return pool.preparedQuery("select " + RUN_COLUMNS + " from evals.runs where id = $1 and org_id = $2")
                .execute(Tuple.of(id, orgId)).map(rows -> rows.size() == 0 ? null : toRun(rows.iterator().next()));
    }

    /** The suite's newest run that completed, before {@code before} (null: any), or null. */
    public Uni<Run> lastCompleted(UUID suiteId, UUID before) {
        return pool.preparedQuery("select " + RUN_COLUMNS + " from evals.runs where suite_id = $1"
                        + " and status = 'completed' and ($2::uuid is null or created_at < (select created_at"
                        + " from evals.runs where id = $2)) order by created_at desc limit 1")
                .execute(Tuple.of(suiteId, before)).map(rows -> rows.size() == 0 ? null : toRun(rows.iterator().next()));
    }

    /** The document the run runs (as it was when it started). */
    public Uni<JsonNode> runDocument(UUID runId) {
        return pool.preparedQuery("select document from evals.runs where id = $1").execute(Tuple.of(runId))
                .map(rows -> tree(rows.iterator().next().getJsonObject("document")));
    }

    public Uni<List<CaseResult>> results(UUID runId) {
        return pool.preparedQuery("select * from evals.case_results where run_id = $1"
                        + " order by case_index, repetition")
                .execute(Tuple.of(runId)).map(rows -> all(rows, EvalRepository::toResult));
    }

    /**
     * Records one case repetition's result and counts it on the run (once, however often it is sent), while
     * {@code runner} holds the run: a runner that lost it (another took it up) writes nothing more.
     */
    public Uni<Void> addResult(UUID runId, String runner, CaseResult r) {
        return pool.withTransaction(tx -> tx.preparedQuery("insert into evals.case_results (run_id, case_index,"
                                + " repetition, case_name, session_id, outcome, answer, reason, latency_ms, tokens,"
                                + " cost_usd, turns, checks, agent_version, model) select $1, $2, $3, $4, $5, $6, $7,"
                                + " $8, $9, $10, $11, $12, $13, $15, $16 where exists (select 1 from evals.runs"
                                + " where id = $1 and runner = $14 and status = 'running') on conflict do nothing")
                .execute(Tuple.from(new Object[] {runId, r.caseIndex(), r.repetition(), r.caseName(), r.sessionId(),
                        r.outcome(), r.answer(), r.reason(), r.latencyMs(), r.tokens(), r.costUsd(),
                        array(r.turns()), array(r.checks()), runner, r.agentVersion(), r.model()}))
                .flatMap(inserted -> inserted.rowCount() == 0 ? Uni.createFrom().voidItem()
                        // a run on the published version learns which one it was from its first case
                        : tx.preparedQuery("update evals.runs set passed = passed + $2, failed = failed + $3,"
                                        + " errored = errored + $4, agent_version = coalesce(agent_version, $5),"
                                        + " model = coalesce(model, $6) where id = $1")
                                .execute(Tuple.from(new Object[] {runId, r.outcome().equals("pass") ? 1 : 0,
                                        r.outcome().equals("fail") ? 1 : 0, r.outcome().equals("error") ? 1 : 0,
                                        r.agentVersion(), r.model()}))
                                .replaceWithVoid()));
    }

    /** Ends the run, if {@code runner} still holds it. */
    public Uni<Void> finishRun(UUID runId, String runner, String status, String error) {
        return pool.preparedQuery("update evals.runs set status = $2, error = $3, finished_at = now(), runner = null,"
                        + " lease_until = null where id = $1 and status = 'running' and runner = $4")
                .execute(Tuple.of(runId, status, error, runner)).replaceWithVoid();
    }

    /** Extends the leases of the runs this replica runs; gives those it still holds (the others were taken up). */
    public Uni<List<UUID>> renew(String runner, List<UUID> runs, Duration lease) {
        return pool.preparedQuery("update evals.runs set lease_until = now() + make_interval(secs => $3)"
                        + " where runner = $1 and id = any($2) and status = 'running' returning id")
                .execute(Tuple.of(runner, runs.toArray(UUID[]::new), (double) lease.toSeconds()))
                .map(rows -> all(rows, row -> row.getUUID("id")));
    }

    /** How many of the organization's runs are running. */
    public Uni<Integer> running(UUID orgId) {
        return pool.preparedQuery("select count(*) from evals.runs where org_id = $1 and status = 'running'")
                .execute(Tuple.of(orgId)).map(rows -> rows.iterator().next().getInteger(0));
    }

    /** A run taken over, and how many runners have taken it up (this one too). */
    public record Adopted(Run run, int attempts) {
    }

    /** Takes over one run whose runner stopped renewing its lease (it died), or null. */
    public Uni<Adopted> adoptOrphan(String runner, Duration lease) {
        return pool.preparedQuery("update evals.runs set runner = $1, lease_until = now() + make_interval(secs => $2),"
                        + " attempts = attempts + 1 where id = (select id from evals.runs where status = 'running' and lease_until < now()"
                        + " order by created_at limit 1 for update skip locked) returning attempts, " + RUN_COLUMNS)
                .execute(Tuple.of(runner, (double) lease.toSeconds()))
                .map(rows -> rows.size() == 0 ? null : new Adopted(toRun(rows.iterator().next()),
                        rows.iterator().next().getInteger("attempts")));
    }

    /** Gives back this replica's runs (a clean shutdown): another replica takes them up at once. */
    public Uni<Void> releaseAll(String runner) {
        // a run given back is taken up at once, and that is not counted as its runner stopping
        return pool.preparedQuery("update evals.runs set lease_until = now() - interval '1 second',"
                        + " attempts = attempts - 1 where runner = $1 and status = 'running'")
                .execute(Tuple.of(runner)).replaceWithVoid();
    }

    private static <T> List<T> all(RowSet<Row> rows, Function<Row, T> map) {
        List<T> list = new ArrayList<>();
        rows.forEach(row -> list.add(map.apply(row)));
        return list;
    }

    private static Suite toSuite(Row r) {
        return new Suite(r.getUUID("id"), r.getUUID("org_id"), r.getString("name"), r.getUUID("agent_id"),
                tree(r.getJsonObject("document")), r.getString("source"), instant(r.getOffsetDateTime("next_run_at")),
                instant(r.getOffsetDateTime("created_at")), instant(r.getOffsetDateTime("updated_at")));
    }

    private static Run toRun(Row r) {
        return new Run(r.getUUID("id"), r.getUUID("suite_id"), r.getUUID("org_id"), r.getString("status"),
                r.getUUID("agent_id"), r.getInteger("agent_version"), r.getString("model"), r.getUUID("baseline_id"),
                r.getInteger("passed"), r.getInteger("failed"), r.getInteger("errored"), r.getInteger("total"),
                r.getString("trigger"), r.getString("judge_prompt"), r.getString("error"),
                instant(r.getOffsetDateTime("created_at")), instant(r.getOffsetDateTime("finished_at")));
    }

    private static CaseResult toResult(Row r) {
        return new CaseResult(r.getInteger("case_index"), r.getInteger("repetition"), r.getString("case_name"),
                r.getUUID("session_id"), r.getInteger("agent_version"), r.getString("model"), r.getString("outcome"), r.getString("answer"), r.getString("reason"),
                r.getInteger("latency_ms"), r.getInteger("tokens"), r.getBigDecimal("cost_usd"),
                tree(r.getJsonArray("turns")), tree(r.getJsonArray("checks")));
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(java.time.ZoneOffset.UTC);
    }

    private static JsonObject object(JsonNode node) {
        return new JsonObject(write(node));
    }

    private static JsonArray array(JsonNode node) {
        return new JsonArray(write(node));
    }

    private static String write(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode tree(Object json) {
        try {
            return json == null ? null : JSON.readTree(json.toString());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

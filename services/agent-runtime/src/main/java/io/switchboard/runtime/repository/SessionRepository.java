package io.switchboard.runtime.repository;

import io.smallrye.mutiny.Uni;
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
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Sessions and their journal: turns and messages. Every write that a later step depends on is committed before that
 * step runs; a turn's final message, its status and the session's last event seq are committed together.
 */
@ApplicationScoped
public class SessionRepository {
    private static final String SESSION_COLUMNS = "select s.id, s.org_id, s.agent_id, s.agent_version,"
            + " v.name as agent_name, s.created_at, s.last_seq, s.seq_reserved, s.parent_session_id, s.depth";
    private static final String SELECT_SESSION = SESSION_COLUMNS + " from runtime.sessions s join runtime.agent_versions v"
            + " on v.agent_id = s.agent_id and v.version = s.agent_version";

    /**
     * A turn not finished yet, and one a runner can take up: written out, not as parameters, so that the planner can
     * use the partial index of unfinished turns ({@code turns_unfinished}) in a cached plan too. With parameters it
     * scanned every turn the session ever had, so each claim took longer than the last.
     */
    private static final String UNFINISHED = "status in ('pending', 'running', 'waiting')";
    private static final String RUNNABLE = "status in ('pending', 'running')";

    /** See {@link #claimNext}. */
    static final String CLAIM_NEXT = "with next as (select id, status in ($5, $6) as runnable from runtime.turns"
            + " where session_id = $1 and " + UNFINISHED + " order by created_at, id limit 1),"
            + " work as (select coalesce((select runnable from next), false) as runnable),"
            + " s as (update runtime.sessions set"
            + " runner_id = case when work.runnable then $2 end,"
            + " lease_until = case when work.runnable then now() + $3::bigint * interval '1 millisecond' end,"
            + " lease_epoch = lease_epoch + case when runner_id is not distinct from $2 then 0 else 1 end,"
            + " seq_reserved = case when work.runnable then greatest(seq_reserved, last_seq) + $4"
            + " else seq_reserved end from work"
            + " where id = $1 and (runner_id is null or runner_id = $2 or lease_until < now())"
            + " and (work.runnable or runner_id = $2)"
            + " returning lease_epoch, seq_reserved - $4 as base, work.runnable),"
            + " t as (select id, status, user_text, cancel_requested, error_code, error_reason"
            + " from runtime.turns where id = (select id from next) and status in ($5, $6)"
            + " and exists (select 1 from s where runnable) for update),"
            + " joined as (insert into runtime.messages (session_id, position, turn_id, role, content)"
            + " select $1, (select coalesce(max(position), -1) + 1 from runtime.messages"
            + " where session_id = $1), t.id, 'user', t.user_text from t"
            + " where t.status = $5 and t.error_code is distinct from $7 returning position),"
            + " begun as (update runtime.turns u set status = $6, attempts = u.attempts + 1 from t"
            + " where u.id = t.id returning u.attempts)"
            + " select s.lease_epoch, s.base, s.runnable, t.id, t.status, t.cancel_requested, t.error_code,"
            + " t.error_reason, t.user_text, begun.attempts, (select position from joined) as joined,"
            + " (select coalesce(max(through_position), -1) from runtime.context_snapshots"
            + " where session_id = $1) as snapshot_through"
            + " from s left join (t cross join begun) on true";

    /**
     * Records model calls (what each was sent: journal positions, not a copy), with the write that follows them;
     * params $1 session, $2 turn, $3 fence, $4 to $10 the calls' columns. A resumed turn's repeat of a call replaces
     * it.
     */
    private static final String RECORD_CALLS = "calls as (insert into runtime.model_calls (request_id, session_id,"
            + " turn_id, model, snapshot_position, first_position, last_position, prompt_tokens, created_at)"
            + " select c.request_id, $1, $2, c.model, c.snapshot_position, c.first_position, c.last_position,"
            + " c.prompt_tokens, c.created_at from unnest($4::text[], $5::text[], $6::int[], $7::int[], $8::int[],"
            + " $9::int[], $10::timestamptz[]) as c(request_id, model, snapshot_position, first_position,"
            + " last_position, prompt_tokens, created_at) where exists (select 1 from fence)"
            + " on conflict (request_id) do update set snapshot_position = excluded.snapshot_position,"
            + " first_position = excluded.first_position, last_position = excluded.last_position,"
            + " prompt_tokens = excluded.prompt_tokens, created_at = excluded.created_at)";

    /** See {@link #recordAndClaim}. */
    static final String RECORD_AND_CLAIM = "with s as (update runtime.sessions set runner_id = $4,"
            + " lease_until = now() + $5::bigint * interval '1 millisecond',"
            + " lease_epoch = lease_epoch + case when runner_id is not distinct from $4 then 0 else 1 end,"
            + " seq_reserved = greatest(seq_reserved, last_seq) + $6"
            + " where id = $1 and (runner_id is null or runner_id = $4 or lease_until < now())"
            + " and not exists (select 1 from runtime.turns where session_id = $1 and " + UNFINISHED + ")"
            + " and not exists (select 1 from runtime.turns where id = $2)"
            + " returning lease_epoch, seq_reserved - $6 as base),"
            + " t as (insert into runtime.turns (id, session_id, user_text, status, attempts)"
            + " select $2, id, $3, case when exists (select 1 from s) then 'running' else 'pending' end,"
            + " case when exists (select 1 from s) then 1 else 0 end from runtime.sessions where id = $1"
            + " on conflict (id) do nothing returning status),"
            + " joined as (insert into runtime.messages (session_id, position, turn_id, role, content)"
            + " select $1, (select coalesce(max(position), -1) + 1 from runtime.messages where session_id = $1),"
            + " $2, 'user', $3 from t where t.status = 'running' returning position)"
            + " select (select count(*) from t) as inserted, s.lease_epoch, s.base,"
            + " (select position from joined) as joined,"
            + " (select coalesce(max(through_position), -1) from runtime.context_snapshots"
            + " where session_id = $1) as snapshot_through"
            + " from (select 1) as one left join s on true";

    /**
     * See {@link #orphaned}. Both halves go through small partial indexes (sessions held, turns unfinished): every
     * replica asks every few seconds, and a scan of every session would grow with all the sessions there ever were.
     */
    static final String ORPHANED = "(select s.id from runtime.sessions s where s.runner_id is not null"
            + " and s.lease_until < now() limit $1)"
            + " union (select t.session_id from runtime.turns t join runtime.sessions s on s.id = t.session_id"
            + " where t." + RUNNABLE + " and s.runner_id is null and not exists (select 1 from runtime.turns w"
            + " where w.session_id = t.session_id and w.status = 'waiting') limit $1) limit $1";

    /** See {@link #finish}. */
    static final String FINISH = "with fence as (select 1 from runtime.sessions where id = $1 and lease_epoch = $3"
            + " for update), " + RECORD_CALLS + ","
            + " appended as (insert into runtime.messages (session_id, position, turn_id,"
            + " role, content, tool_calls, tool_call_id) select $1, (select coalesce(max(position), -1)"
            + " from runtime.messages where session_id = $1) + m.n, $2, m.role, m.content, m.tool_calls,"
            + " m.tool_call_id from unnest($11::text[], $12::text[], $13::text[], $14::text[])"
            + " with ordinality as m(role, content, tool_calls, tool_call_id, n)"
            + " where exists (select 1 from fence)),"
            + " ended as (update runtime.turns set status = $15, error_code = $16, error_reason = $17,"
            + " finished_at = now(), end_seq = $18, input_tokens = $19, output_tokens = $20, cost_usd = $21"
            + " where id = $2 and exists (select 1 from fence))"
            + " update runtime.sessions set last_seq = greatest(last_seq, $18),"
            + " seq_reserved = greatest(last_seq, $18) where id = $1 and exists (select 1 from fence)"
            // the snapshot's: this turn still reads running here
            + " returning exists (select 1 from runtime.turns where session_id = $1 and id <> $2"
            + " and " + RUNNABLE + ") as queued";

    /** See {@link #letGo}. */
    static final String LET_GO = "with idle as (select s.id, r.seq, exists (select 1 from runtime.turns t"
            + " where t.session_id = s.id and t." + RUNNABLE + ") as queued"
            + " from runtime.sessions s join unnest($2::uuid[], $3::bigint[]) as r(id, seq) on s.id = r.id"
            // locked in the order of their ids, as the lease renewal locks them: no deadlock between them
            + " where s.runner_id = $1 and s.seq_reserved = r.seq order by s.id for no key update of s),"
            + " gone as (update runtime.sessions s set runner_id = null, lease_until = null from idle"
            + " where s.id = idle.id and not idle.queued and s.runner_id = $1 and s.seq_reserved = idle.seq)"
            + " select id from idle where queued";

    private final Pool pool;

    public SessionRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Creates the session on the agent's {@code version} (null: its published one) unless it exists; false if the
     * organization has no such agent or version.
     */
    public Uni<Boolean> open(UUID orgId, UUID sessionId, UUID agentId, Integer version) {
        return open(pool, orgId, sessionId, agentId, version);
    }

    /** As {@link #open(UUID, UUID, UUID, Integer)}, with {@code client} (a transaction's, say). */
    public Uni<Boolean> open(SqlClient client, UUID orgId, UUID sessionId, UUID agentId, Integer version) {
        return client.preparedQuery("insert into runtime.sessions (id, org_id, agent_id, agent_version)"
                        + " select $1, a.org_id, v.agent_id, v.version from runtime.agents a join runtime.agent_versions v"
                        + " on v.agent_id = a.id and v.version = coalesce($3, a.published_version)"
                        + " where a.id = $2 and a.org_id = $4 on conflict (id) do nothing")
                .execute(Tuple.of(sessionId, agentId, version, orgId))
                .flatMap(inserted -> inserted.rowCount() == 1 ? Uni.createFrom().item(true)
                        : find(client, orgId, sessionId).map(existing -> existing != null
                                && existing.agentId().equals(agentId)));
    }

    /**
     * Opens a sub-agent's session on the agent's published version, as a child of {@code parent}, unless it exists
     * (a runner that took over asks again with the same id); false if the agent does not exist.
     */
    public Uni<Boolean> openChild(UUID sessionId, UUID agentId, UUID parent, int depth) {
        return pool.preparedQuery("insert into runtime.sessions (id, org_id, agent_id, agent_version,"
                        + " parent_session_id, depth) select $1, a.org_id, a.id, a.published_version, $3, $4"
                        + " from runtime.agents a where a.id = $2 on conflict (id) do nothing")
                .execute(Tuple.of(sessionId, agentId, parent, depth))
                .flatMap(inserted -> inserted.rowCount() == 1 ? Uni.createFrom().item(true)
                        : find(sessionId).map(existing -> existing != null));
    }

    /** The answer of a completed turn (its last assistant message), or null. */
    public Uni<String> answerOf(UUID turnId) {
        return pool.preparedQuery("select content from runtime.messages where turn_id = $1 and role = 'assistant'"
                        + " order by position desc limit 1").execute(Tuple.of(turnId))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("content"));
    }

    /** The session, or null (for the runtime's own work: callers from outside go through the other find). */
    public Uni<Session> find(UUID id) {
        return pool.preparedQuery(SELECT_SESSION + " where s.id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : toSession(rows.iterator().next()));
    }

    /** The organization's session, or null. */
    public Uni<Session> find(UUID orgId, UUID id) {
        return find(pool, orgId, id);
    }

    private Uni<Session> find(SqlClient client, UUID orgId, UUID id) {
        return client.preparedQuery(SELECT_SESSION + " where s.id = $1 and s.org_id = $2")
                .execute(Tuple.of(id, orgId)).map(rows -> rows.size() == 0 ? null : toSession(rows.iterator().next()));
    }

    /**
     * Which sessions a list shows: each field null for any. {@code status} is the session's newest turn's
     * ({@code idle}: no turn yet); {@code errorCode} one any of its turns failed with; {@code minCostUsd} what its
     * priced turns cost together, at least.
     */
    public record Filter(UUID agentId, String status, Instant since, Instant until, BigDecimal minCostUsd,
                         String errorCode) {
    }

    /** A session as a list shows it: with its turns so far, its newest turn's status and error, and what it cost. */
    public record Listed(Session session, int turns, String status, BigDecimal costUsd, String lastErrorCode,
                         Instant lastActivity) {
    }

    /** The organization's newest sessions that pass {@code filter}, newest first. */
    public Uni<List<Listed>> search(UUID orgId, Filter filter, int limit) {
        return pool.preparedQuery(SESSION_COLUMNS + ", t.turns, coalesce(t.status, 'idle') as status, t.cost,"
                        + " t.error_code, t.last_at from runtime.sessions s join runtime.agent_versions v on v.agent_id"
                        + " = s.agent_id and v.version = s.agent_version left join lateral (select count(*) as turns,"
                        + " (array_agg(status order by created_at desc))[1] as status, sum(cost_usd) as cost,"
                        + " (array_agg(error_code order by created_at desc) filter (where error_code is not null))[1]"
                        + " as error_code, bool_or(error_code = $7) as has_code, max(created_at) as last_at"
                        + " from runtime.turns where session_id = s.id) t on true"
                        + " where s.org_id = $1 and ($2::uuid is null or s.agent_id = $2)"
                        + " and ($3::timestamptz is null or s.created_at >= $3)"
                        + " and ($4::timestamptz is null or s.created_at < $4)"
                        + " and ($5::text is null or coalesce(t.status, 'idle') = $5)"
                        + " and ($6::numeric is null or coalesce(t.cost, 0) >= $6) and ($7::text is null or t.has_code)"
                        + " order by s.created_at desc limit $8")
                .execute(Tuple.from(Arrays.asList(orgId, filter.agentId(), time(filter.since()), time(filter.until()),
                        filter.status(), filter.minCostUsd(), filter.errorCode(), limit)))
                .map(rows -> {
                    List<Listed> listed = new ArrayList<>();
                    for (Row row : rows) {
                        OffsetDateTime last = row.getOffsetDateTime("last_at");
                        listed.add(new Listed(toSession(row), row.getLong("turns").intValue(),
                                row.getString("status"), row.getBigDecimal("cost"), row.getString("error_code"),
                                last == null ? null : last.toInstant()));
                    }
                    return listed;
                });
    }

    private static OffsetDateTime time(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    /** The sessions its agent's sub-agents ran in for the session's turns, oldest first. */
    public Uni<List<Session>> children(UUID parentSessionId, int limit) {
        return pool.preparedQuery(SELECT_SESSION + " where s.parent_session_id = $1 order by s.created_at limit $2")
                .execute(Tuple.of(parentSessionId, limit)).map(SessionRepository::toSessions);
    }

    private static List<Session> toSessions(RowSet<Row> rows) {
        List<Session> sessions = new ArrayList<>();
        rows.forEach(row -> sessions.add(toSession(row)));
        return sessions;
    }

    public Uni<List<StoredMessage>> messages(UUID sessionId) {
        return messagesAfter(sessionId, -1);
    }

    /** The conversation after journal position {@code position} (a context snapshot's), in order. */
    public Uni<List<StoredMessage>> messagesAfter(UUID sessionId, int position) {
        return pool.preparedQuery("select * from runtime.messages where session_id = $1 and position > $2"
                        + " order by position")
                .execute(Tuple.of(sessionId, position))
                .map(rows -> {
                    List<StoredMessage> messages = new ArrayList<>();
                    rows.forEach(row -> messages.add(toMessage(row)));
                    return messages;
                });
    }

    /** What a turn reads of its session: its newest context snapshot (or null), and the conversation after it. */
    public record History(ContextRepository.Snapshot snapshot, List<StoredMessage> messages) {
    }

    public Uni<History> history(UUID sessionId) {
        // one query: the snapshot's columns ride on the first message only
        return pool.preparedQuery("with snap as (select through_position, summary from runtime.context_snapshots"
                        + " where session_id = $1 order by through_position desc limit 1)"
                        + " select m.*, case when row_number() over (order by m.position) = 1"
                        + " then (select through_position from snap) end as snapshot_through,"
                        + " case when row_number() over (order by m.position) = 1"
                        + " then (select summary from snap) end as snapshot_summary"
                        + " from runtime.messages m where m.session_id = $1"
                        + " and m.position > coalesce((select through_position from snap), -1) order by m.position")
                .execute(Tuple.of(sessionId))
                .map(rows -> {
                    List<StoredMessage> messages = new ArrayList<>();
                    ContextRepository.Snapshot snapshot = null;
                    for (Row row : rows) {
                        if (messages.isEmpty() && row.getInteger("snapshot_through") != null) {
                            snapshot = new ContextRepository.Snapshot(row.getInteger("snapshot_through"),
                                    row.getString("snapshot_summary"));
                        }
                        messages.add(toMessage(row));
                    }
                    return new History(snapshot, messages);
                });
    }

    private static StoredMessage toMessage(Row row) {
        return new StoredMessage(row.getInteger("position"), row.getUUID("turn_id"), row.getString("role"),
                row.getString("content"), row.getString("tool_calls"), row.getString("tool_call_id"),
                row.getOffsetDateTime("created_at").toInstant());
    }

    public Uni<List<Turn>> turns(UUID sessionId) {
        return pool.preparedQuery("select * from runtime.turns where session_id = $1 order by created_at")
                .execute(Tuple.of(sessionId))
                .map(rows -> {
                    List<Turn> turns = new ArrayList<>();
                    rows.forEach(row -> turns.add(toTurn(row)));
                    return turns;
                });
    }

    /** The turn, or null. */
    public Uni<Turn> turn(UUID turnId) {
        return pool.preparedQuery("select * from runtime.turns where id = $1").execute(Tuple.of(turnId))
                .map(rows -> rows.size() == 0 ? null : toTurn(rows.iterator().next()));
    }

    public enum Recorded { NEW, DUPLICATE, UNKNOWN_SESSION }

    /**
     * Journals a user message as a pending turn; a second delivery of the same turn changes nothing. A message
     * {@code refused} (the session was busy and its agent rejects messages meanwhile) is journaled too, for its
     * runner to end with {@code busy} in its place in the session's order; it never joins the conversation.
     */
    public Uni<Recorded> recordUserMessage(UUID sessionId, UUID turnId, String text, String refused) {
        return pool.preparedQuery("insert into runtime.turns (id, session_id, user_text, status, error_code,"
                        + " error_reason) select $1, id, $3, $4, $5, $6 from runtime.sessions where id = $2"
                        + " on conflict (id) do nothing")
                .execute(Tuple.from(new Object[] {turnId, sessionId, text, Turn.PENDING,
                        refused == null ? null : Turn.BUSY, refused}))
                .flatMap(inserted -> inserted.rowCount() == 1 ? Uni.createFrom().item(Recorded.NEW)
                        : turn(turnId).map(existing -> existing != null ? Recorded.DUPLICATE : Recorded.UNKNOWN_SESSION));
    }

    /** How a user message was journaled, and the runner's hold on its session if it began the message's turn too. */
    public record Recording(Recorded recorded, Claimed claimed, boolean leased) {
    }

    /**
     * Journals a user message and, when the session has no unfinished turn and no other runner's live lease holds it,
     * takes the lease for {@code runner} and begins the message's turn, in one statement: what
     * {@link #recordUserMessage} and then {@link #claimNext} do, one round trip fewer for a conversation's every
     * message. Otherwise the turn waits as {@code pending} ({@link Recording#claimed} is null) for a claim. A second
     * delivery of the same turn changes nothing.
     */
    public Uni<Recording> recordAndClaim(UUID sessionId, UUID turnId, String text, String runner, Duration lease,
                                         int seqBlock) {
        return pool.preparedQuery(RECORD_AND_CLAIM)
                .execute(Tuple.of(sessionId, turnId, text, runner, interval(lease), seqBlock))
                .flatMap(rows -> {
                    Row row = rows.iterator().next();
                    Long fence = row.getLong("lease_epoch");
                    if (row.getLong("inserted") == 0) {
                        // journaled at the same moment elsewhere, after the lease was taken: leased, nothing begun
                        return turn(turnId).map(existing -> new Recording(existing != null ? Recorded.DUPLICATE
                                : Recorded.UNKNOWN_SESSION, null, fence != null));
                    }
                    return Uni.createFrom().item(new Recording(Recorded.NEW, fence == null ? null
                            : new Claimed(fence, turnId, new Begun(false, 1, row.getLong("base"), false, null),
                                    row.getInteger("joined"), text, row.getInteger("snapshot_through")), false));
                });
    }

    /**
     * How a runner begins a turn: afresh, or again after a runner that stopped; whether a cancel was asked for
     * meanwhile; {@code refused}: why the message was refused (it ends {@code busy}), or null.
     */
    public record Begun(boolean resumed, int attempts, long seqBase, boolean cancelRequested, String refused) {
    }

    /**
     * A runner's hold on a session: its lease's fencing token, and the turn it began; {@code joinedPosition} and
     * {@code userText}: where its user message joined the conversation, and what it says (null when it did not join
     * now: a turn taken up again, or refused); {@code snapshotPosition}: the session's newest context snapshot's
     * {@code through_position}, or -1.
     */
    public record Claimed(long fence, UUID turnId, Begun begun, Integer joinedPosition, String userText,
                          int snapshotPosition) {
    }

    /**
     * Takes (or keeps) the session's lease for {@code runner} and begins the session's oldest unfinished turn, in one
     * statement: marks it running and counts the attempt; a pending turn's user message joins the conversation.
     * Reserves a block of {@code seqBlock} event seqs above every seq a previous runner may have used:
     * {@link Begun#seqBase} is the last seq taken, the next event gets {@code seqBase + 1}. A runner that takes the
     * session over gets a new fencing token. Null when another runner's live lease holds the session, or when no turn
     * can run (none is left, or the oldest waits for approvals: the session waits without a runner, and this
     * runner's lease is let go).
     */
    public Uni<Claimed> claimNext(UUID sessionId, String runner, Duration lease, int seqBlock) {
        // one statement, atomic by itself (this took six round trips: claim, next turn, begin's transaction). The
        // session's row is locked by the claim, then the turn's, as a job queue takes its next job.
        return pool.preparedQuery(CLAIM_NEXT)
                .execute(Tuple.from(new Object[] {sessionId, runner, interval(lease), seqBlock, Turn.PENDING,
                        Turn.RUNNING, Turn.BUSY}))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().nullItem();
                    }
                    Row row = rows.iterator().next();
                    if (!row.getBoolean("runnable")) {
                        return Uni.createFrom().nullItem(); // nothing to run: let go
                    }
                    if (row.getUUID("id") == null) {
                        // the turn changed between the statement's look and its lock: look again
                        return claimNext(sessionId, runner, lease, seqBlock);
                    }
                    // a pending turn's user message joined the conversation; a refused one's never does
                    String refused = Turn.BUSY.equals(row.getString("error_code")) ? row.getString("error_reason")
                            : null;
                    Integer joined = row.getInteger("joined");
                    return Uni.createFrom().item(new Claimed(row.getLong("lease_epoch"), row.getUUID("id"),
                            new Begun(row.getString("status").equals(Turn.RUNNING), row.getInteger("attempts"),
                                    row.getLong("base"), row.getBoolean("cancel_requested"), refused), joined,
                            joined == null ? null : row.getString("user_text"), row.getInteger("snapshot_through")));
                });
    }

    /** Raises the session's reserved seqs to {@code ceiling}, ahead of a runner that is about to need them. */
    public Uni<Void> reserveSeqs(UUID sessionId, long ceiling, long fence) {
        return pool.preparedQuery("update runtime.sessions set seq_reserved = greatest(seq_reserved, $2)"
                        + " where id = $1 and lease_epoch = $3").execute(Tuple.of(sessionId, ceiling, fence))
                .invoke(updated -> requireHeld(updated, sessionId)).replaceWithVoid();
    }

    /**
     * Asks for the turn to stop; false when it has finished already (or is not this session's). A turn waiting for
     * approvals becomes running again, so a runner takes it up and ends it.
     */
    public Uni<Boolean> requestCancel(UUID sessionId, UUID turnId) {
        return pool.preparedQuery("update runtime.turns set cancel_requested = true, status = case when status = $5"
                        + " then $4 else status end where id = $1 and session_id = $2 and status in ($3, $4, $5)")
                .execute(Tuple.of(turnId, sessionId, Turn.PENDING, Turn.RUNNING, Turn.WAITING))
                .map(rows -> rows.rowCount() == 1);
    }

    /** Asks every unfinished turn of the session other than {@code keep} to stop (onBusy interrupt); gives them. */
    public Uni<List<UUID>> cancelAllBut(UUID sessionId, UUID keep) {
        return pool.preparedQuery("update runtime.turns set cancel_requested = true, status = case when status = $4"
                        + " then $3 else status end where session_id = $1 and id <> $2 and " + UNFINISHED
                        + " returning id")
                .execute(Tuple.of(sessionId, keep, Turn.RUNNING, Turn.WAITING))
                .map(SessionRepository::ids);
    }

    /** How a pause went. */
    public enum Pause {
        /** The turn waits for its approvals, without a runner. */
        PAUSED,
        /** Every approval was decided meanwhile: the runner goes on with the turn itself. */
        DECIDED,
        /** A cancel was asked for: the runner ends the turn. */
        CANCELLED
    }

    /**
     * Pauses the turn for its undecided approvals: {@code waiting}, no runner, its crash count starts again (a pause is
     * not a crash), the session's event seqs go on from {@code lastSeq}. Refused ({@link LeaseLost}) unless the runner's
     * lease is still the session's.
     */
    public Uni<Pause> pause(UUID sessionId, UUID turnId, long lastSeq, long fence) {
        // the turn's row is locked first, in a statement of its own: a decision locks it too, so one committed
        // meanwhile is seen by the next statement's snapshot. In one statement the approvals would be read as they
        // stood before that decision, and the turn would wait for a decision already made.
        return pool.withTransaction(tx -> tx.preparedQuery("select t.cancel_requested from runtime.sessions s,"
                        + " runtime.turns t where s.id = $1 and s.lease_epoch = $3 and t.id = $2"
                        + " for share of s for update of t")
                .execute(Tuple.of(sessionId, turnId, fence))
                .invoke(held -> requireHeld(held, sessionId))
                .flatMap(locked -> locked.iterator().next().getBoolean("cancel_requested")
                        ? Uni.createFrom().item(Pause.CANCELLED)
                        : tx.preparedQuery("update runtime.turns set status = $2, attempts = 0"
                                        + " where id = $1 and status = $3 and exists (select 1 from runtime.approvals"
                                        + " where turn_id = $1 and status = 'pending')")
                                .execute(Tuple.of(turnId, Turn.WAITING, Turn.RUNNING))
                                .flatMap(paused -> paused.rowCount() == 0 ? Uni.createFrom().item(Pause.DECIDED)
                                        : tx.preparedQuery("update runtime.sessions set last_seq = greatest(last_seq,"
                                                        + " $2), seq_reserved = greatest(last_seq, $2) where id = $1")
                                                .execute(Tuple.of(sessionId, lastSeq)).replaceWith(Pause.PAUSED))));
    }

    // ---- runners and their leases

    /**
     * Takes (or keeps) the session for {@code runner} unless a live lease of another runner holds it; gives the
     * lease's fencing token for the runner's writes, or null. A runner that takes the session over gets a new token.
     */
    public Uni<Long> claim(UUID sessionId, String runner, Duration lease) {
        return pool.preparedQuery("update runtime.sessions set runner_id = $2,"
                        + " lease_until = now() + $3::bigint * interval '1 millisecond',"
                        + " lease_epoch = lease_epoch + case when runner_id is not distinct from $2 then 0 else 1 end"
                        + " where id = $1 and (runner_id is null or runner_id = $2 or lease_until < now())"
                        + " returning lease_epoch")
                .execute(Tuple.of(sessionId, runner, interval(lease)))
                .map(updated -> updated.rowCount() == 1 ? updated.iterator().next().getLong("lease_epoch") : null);
    }

    /**
     * Extends {@code runner}'s leases on {@code sessions} (those it is working on); gives their running turns that were
     * asked to stop meanwhile (on another replica: the runner hears of it here).
     */
    public Uni<List<UUID>> renew(String runner, Duration lease, List<UUID> sessions) {
        // locked in the order of their ids, as letGo locks them: an update of many rows locks them in the order its
        // plan reads them (a bitmap scan: the table's), and two batches that lock in other orders deadlock. As a plain
        // update locks (no key update), so that the journal's inserts, whose foreign keys share the key, do not wait
        return pool.preparedQuery("with locked as (select id from runtime.sessions"
                        + " where runner_id = $1 and id = any($3) order by id for no key update),"
                        + " renewed as (update runtime.sessions s"
                        + " set lease_until = now() + $2::bigint * interval '1 millisecond'"
                        + " from locked where s.id = locked.id returning s.id)"
                        + " select t.id from runtime.turns t join renewed r on t.session_id = r.id"
                        + " where t.status = 'running' and t.cancel_requested")
                .execute(Tuple.of(runner, interval(lease), sessions.toArray(new UUID[0])))
                .map(SessionRepository::ids);
    }

    public Uni<Void> release(UUID sessionId, String runner) {
        return pool.preparedQuery("update runtime.sessions set runner_id = null, lease_until = null"
                + " where id = $1 and runner_id = $2").execute(Tuple.of(sessionId, runner)).replaceWithVoid();
    }

    /** Lets go of every session {@code runner} holds (it is shutting down): others may resume them at once. */
    public Uni<Void> releaseAll(String runner, Set<UUID> except) {
        // in the order of their ids, as a let-go still under way locks them
        return pool.preparedQuery("with locked as (select id from runtime.sessions where runner_id = $1"
                        + " and id <> all($2) order by id for no key update) update runtime.sessions s"
                        + " set runner_id = null, lease_until = null from locked where s.id = locked.id")
                .execute(Tuple.of(runner, except.toArray(new UUID[0]))).replaceWithVoid();
    }

    /** The session's oldest turn not yet finished (maybe waiting for approvals), or null. */
    public Uni<Turn> nextUnfinished(UUID sessionId) {
        return pool.preparedQuery("select * from runtime.turns where session_id = $1 and " + UNFINISHED
                        + " order by created_at, id limit 1")
                .execute(Tuple.of(sessionId))
                .map(rows -> rows.size() == 0 ? null : toTurn(rows.iterator().next()));
    }

    /**
     * Sessions that need a runner and have no live one: unfinished turns whose runner never got to them, or whose
     * runner died (a session whose turn waits for approvals is left alone: later turns wait behind it); and sessions
     * whose runner died holding them, which may have left a turn's end unpublished.
     */
    public Uni<List<UUID>> orphaned(int limit) {
        return pool.preparedQuery(ORPHANED).execute(Tuple.of(limit))
                .map(SessionRepository::ids);
    }

    private static List<UUID> ids(RowSet<Row> rows) {
        List<UUID> ids = new ArrayList<>();
        rows.forEach(row -> ids.add(row.getUUID("id")));
        return ids;
    }

    private static long interval(Duration lease) {
        return lease.toMillis();
    }

    /**
     * Appends a message produced during a turn (assistant tool calls, a tool result), with the model calls made since
     * the last write ({@code calls}, for the debugger): one statement, refused ({@link LeaseLost}) unless the runner's
     * lease is still the session's.
     */
    public Uni<Void> append(UUID sessionId, UUID turnId, NewMessage m, List<ContextRepository.ModelCall> calls,
                            long fence) {
        List<Object> params = new ArrayList<>(List.of(sessionId, turnId, fence));
        params.addAll(Arrays.asList(m.role(), m.content(), m.toolCalls(), m.toolCallId()));
        return pool.preparedQuery("with fence as (select 1 from runtime.sessions where id = $1 and lease_epoch = $3"
                        + " for share), " + RECORD_CALLS
                        + " insert into runtime.messages (session_id, position, turn_id, role, content, tool_calls,"
                        + " tool_call_id) select $1, (select coalesce(max(position), -1) + 1 from runtime.messages"
                        + " where session_id = $1), $2, $11, $12, $13, $14 where exists (select 1 from fence)")
                .execute(Tuple.from(withCalls(params, calls)))
                .invoke(inserted -> requireHeld(inserted, sessionId))
                .replaceWithVoid();
    }

    private static Object[] withCalls(List<Object> params, List<ContextRepository.ModelCall> calls) {
        List<Object> all = new ArrayList<>(params.subList(0, 3));
        all.add(calls.stream().map(ContextRepository.ModelCall::requestId).toArray(String[]::new));
        all.add(calls.stream().map(ContextRepository.ModelCall::model).toArray(String[]::new));
        all.add(calls.stream().map(ContextRepository.ModelCall::snapshotPosition).toArray(Integer[]::new));
        all.add(calls.stream().map(ContextRepository.ModelCall::firstPosition).toArray(Integer[]::new));
        all.add(calls.stream().map(ContextRepository.ModelCall::lastPosition).toArray(Integer[]::new));
        all.add(calls.stream().map(ContextRepository.ModelCall::promptTokens).toArray(Integer[]::new));
        all.add(calls.stream().map(call -> call.createdAt().atOffset(ZoneOffset.UTC)).toArray(OffsetDateTime[]::new));
        all.addAll(params.subList(3, params.size()));
        return all.toArray();
    }

    private static void requireHeld(RowSet<Row> written, UUID sessionId) {
        if (written.rowCount() == 0) {
            throw new LeaseLost(sessionId);
        }
    }

    /** A runner's write was refused: another runner has taken the session over since it got its lease. */
    public static final class LeaseLost extends RuntimeException {
        public LeaseLost(UUID sessionId) {
            super("the lease of session " + sessionId + " is another runner's now", null, false, false);
        }
    }

    /**
     * Ends the turn: its last messages, the model calls made since the last write, its status and the session's last
     * event seq, in one statement (atomic by itself, and one round trip where a transaction of them took five). The
     * unused part of the runner's seq block is given back: the next turn goes on from here. The lease stays the
     * runner's until it lets the session go ({@link #letGo}): a runner that dies before it publishes the end leaves
     * an expired lease, which the recovery sweep finds and publishes the end again. True when another of the
     * session's turns waits to run (queued behind this one).
     */
    public Uni<Boolean> finish(UUID sessionId, UUID turnId, List<NewMessage> messages,
                               List<ContextRepository.ModelCall> calls, Ended end, long fence) {
        List<Object> params = new ArrayList<>(List.of(sessionId, turnId, fence));
        params.addAll(Arrays.asList(messages.stream().map(NewMessage::role).toArray(String[]::new),
                messages.stream().map(NewMessage::content).toArray(String[]::new),
                messages.stream().map(NewMessage::toolCalls).toArray(String[]::new),
                messages.stream().map(NewMessage::toolCallId).toArray(String[]::new),
                end.status(), end.errorCode(), end.errorReason(), end.seq(), end.inputTokens(), end.outputTokens(),
                end.costUsd()));
        return pool.preparedQuery(FINISH)
                .execute(Tuple.from(withCalls(params, calls)))
                .invoke(ended -> requireHeld(ended, sessionId))
                .map(ended -> ended.iterator().next().getBoolean("queued"));
    }

    /**
     * Lets go of the sessions whose turns {@code runner} ended, each at the seq its events stood at then: a session is
     * let go only if it is still as the runner left it (no claim since, which would have reserved more seqs) and none
     * of its turns waits to run. Gives those whose turns wait (recorded by another replica while this runner held
     * the session, which left them to it): the runner keeps their leases and runs them.
     */
    public Uni<List<UUID>> letGo(String runner, Map<UUID, Long> idleAt) {
        List<UUID> ids = new ArrayList<>(idleAt.size());
        List<Long> seqs = new ArrayList<>(idleAt.size());
        idleAt.forEach((id, seq) -> {
            ids.add(id);
            seqs.add(seq);
        });
        return pool.preparedQuery(LET_GO)
                .execute(Tuple.of(runner, ids.toArray(new UUID[0]), seqs.toArray(new Long[0])))
                .map(SessionRepository::ids);
    }

    /** How a turn ended: its status, error, the seq of its end event, and its model calls' tokens. */
    public record Ended(String status, String errorCode, String errorReason, long seq, int inputTokens,
                        int outputTokens, BigDecimal costUsd) {
    }

    /**
     * The session's turn that ended last, with its end as recorded, or null. Its answer is {@link #answerOf}.
     */
    public Uni<Turn> lastEnded(UUID sessionId) {
        return pool.preparedQuery("select * from runtime.turns where session_id = $1 and end_seq is not null"
                        + " order by end_seq desc limit 1").execute(Tuple.of(sessionId))
                .map(rows -> rows.size() == 0 ? null : toTurn(rows.iterator().next()));
    }

    /** A message to append; {@code toolCalls} is a JSON array or null. */
    public record NewMessage(String role, String content, String toolCalls, String toolCallId) {
    }

    private static Session toSession(Row row) {
        return new Session(row.getUUID("id"), row.getUUID("org_id"), row.getUUID("agent_id"), row.getInteger("agent_version"),
                row.getString("agent_name"), row.getOffsetDateTime("created_at").toInstant(), row.getLong("last_seq"),
                row.getLong("seq_reserved"), row.getUUID("parent_session_id"), row.getInteger("depth"));
    }

    private static Turn toTurn(Row row) {
        OffsetDateTime finished = row.getOffsetDateTime("finished_at");
        Instant finishedAt = finished == null ? null : finished.toInstant();
        return new Turn(row.getUUID("id"), row.getUUID("session_id"), row.getString("user_text"), row.getString("status"),
                row.getString("error_code"), row.getString("error_reason"),
                row.getOffsetDateTime("created_at").toInstant(), finishedAt, row.getInteger("attempts"),
                row.getLong("end_seq"), row.getInteger("input_tokens"), row.getInteger("output_tokens"),
                row.getBigDecimal("cost_usd"));
    }
}

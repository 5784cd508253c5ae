package io.switchboard.runtime.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Sessions and their journal: turns and messages. Every write that a later step depends on is committed before that
 * step runs; a turn's final message, its status and the session's last event seq are committed together.
 */
@ApplicationScoped
public class SessionRepository {
    private static final String SELECT_SESSION = "select s.id, s.agent_id, a.name as agent_name, s.created_at,"
            + " s.last_seq from runtime.sessions s join runtime.agents a on a.id = s.agent_id";

    private final Pool pool;

    public SessionRepository(Pool pool) {
        this.pool = pool;
    }

    /** Creates the session unless it exists; false if the agent does not exist. */
    public Uni<Boolean> open(UUID sessionId, UUID agentId) {
        return pool.preparedQuery("insert into runtime.sessions (id, agent_id) select $1, id from runtime.agents"
                        + " where id = $2 on conflict (id) do nothing")
                .execute(Tuple.of(sessionId, agentId))
                .flatMap(inserted -> inserted.rowCount() == 1 ? Uni.createFrom().item(true)
                        : find(sessionId).map(existing -> existing != null && existing.agentId().equals(agentId)));
    }

    /** The session, or null. */
    public Uni<Session> find(UUID id) {
        return pool.preparedQuery(SELECT_SESSION + " where s.id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : toSession(rows.iterator().next()));
    }

    public Uni<List<Session>> list(int limit) {
        return pool.preparedQuery(SELECT_SESSION + " order by s.created_at desc limit $1").execute(Tuple.of(limit))
                .map(rows -> {
                    List<Session> sessions = new ArrayList<>();
                    rows.forEach(row -> sessions.add(toSession(row)));
                    return sessions;
                });
    }

    public Uni<List<StoredMessage>> messages(UUID sessionId) {
        return pool.preparedQuery("select * from runtime.messages where session_id = $1 order by position")
                .execute(Tuple.of(sessionId))
                .map(rows -> {
                    List<StoredMessage> messages = new ArrayList<>();
                    rows.forEach(row -> messages.add(new StoredMessage(row.getInteger("position"),
                            row.getUUID("turn_id"), row.getString("role"), row.getString("content"),
                            row.getString("tool_calls"), row.getString("tool_call_id"),
                            row.getOffsetDateTime("created_at").toInstant())));
                    return messages;
                });
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

    /** Journals a user message as a pending turn; a second delivery of the same turn changes nothing. */
    public Uni<Recorded> recordUserMessage(UUID sessionId, UUID turnId, String text) {
        return pool.preparedQuery("insert into runtime.turns (id, session_id, user_text, status)"
                        + " select $1, id, $3, $4 from runtime.sessions where id = $2 on conflict (id) do nothing")
                .execute(Tuple.of(turnId, sessionId, text, Turn.PENDING))
                .flatMap(inserted -> inserted.rowCount() == 1 ? Uni.createFrom().item(Recorded.NEW)
                        : turn(turnId).map(existing -> existing != null ? Recorded.DUPLICATE : Recorded.UNKNOWN_SESSION));
    }

    /**
     * Starts a pending turn: marks it running and appends the user's message to the conversation. Null if the turn
     * is not pending (already run, or being run elsewhere); else the session's last event seq.
     */
    public Uni<Long> start(UUID sessionId, UUID turnId) {
        return pool.withTransaction(tx -> tx.preparedQuery("update runtime.turns set status = $2"
                                + " where id = $1 and status = $3 returning user_text")
                .execute(Tuple.of(turnId, Turn.RUNNING, Turn.PENDING))
                .flatMap(updated -> {
                    if (updated.rowCount() == 0) {
                        return Uni.createFrom().nullItem();
                    }
                    String text = updated.iterator().next().getString("user_text");
                    return append(tx, sessionId, turnId, "user", text, null, null)
                            .flatMap(x -> tx.preparedQuery("select last_seq from runtime.sessions where id = $1")
                                    .execute(Tuple.of(sessionId)))
                            .map(rows -> rows.iterator().next().getLong("last_seq"));
                }));
    }

    /** Appends messages produced during a turn (assistant tool calls, tool results). */
    public Uni<Void> append(UUID sessionId, UUID turnId, List<NewMessage> messages) {
        return pool.withTransaction(tx -> appendAll(tx, sessionId, turnId, messages));
    }

    /** Ends the turn: its last messages, its status and the session's last event seq, in one transaction. */
    public Uni<Void> finish(UUID sessionId, UUID turnId, List<NewMessage> messages, String status, String errorCode,
                            String errorReason, long lastSeq) {
        return pool.withTransaction(tx -> appendAll(tx, sessionId, turnId, messages)
                .flatMap(x -> tx.preparedQuery("update runtime.turns set status = $2, error_code = $3,"
                                + " error_reason = $4, finished_at = now() where id = $1")
                        .execute(Tuple.of(turnId, status, errorCode, errorReason)))
                .flatMap(x -> tx.preparedQuery("update runtime.sessions set last_seq = greatest(last_seq, $2)"
                        + " where id = $1").execute(Tuple.of(sessionId, lastSeq)))
                .replaceWithVoid());
    }

    /** A message to append; {@code toolCalls} is a JSON array or null. */
    public record NewMessage(String role, String content, String toolCalls, String toolCallId) {
    }

    private static Uni<Void> appendAll(SqlClient tx, UUID sessionId, UUID turnId, List<NewMessage> messages) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (NewMessage m : messages) {
            chain = chain.flatMap(x -> append(tx, sessionId, turnId, m.role(), m.content(), m.toolCalls(),
                    m.toolCallId()));
        }
        return chain;
    }

    private static Uni<Void> append(SqlClient tx, UUID sessionId, UUID turnId, String role, String content,
                                    String toolCalls, String toolCallId) {
        return tx.preparedQuery("insert into runtime.messages (session_id, position, turn_id, role, content,"
                        + " tool_calls, tool_call_id) select $1, coalesce(max(position), -1) + 1, $2, $3, $4, $5, $6"
                        + " from runtime.messages where session_id = $1")
                .execute(Tuple.from(new Object[] {sessionId, turnId, role, content, toolCalls, toolCallId}))
                .replaceWithVoid();
    }

    private static Session toSession(Row row) {
        return new Session(row.getUUID("id"), row.getUUID("agent_id"), row.getString("agent_name"),
                row.getOffsetDateTime("created_at").toInstant(), row.getLong("last_seq"));
    }

    private static Turn toTurn(Row row) {
        OffsetDateTime finished = row.getOffsetDateTime("finished_at");
        Instant finishedAt = finished == null ? null : finished.toInstant();
        return new Turn(row.getUUID("id"), row.getUUID("session_id"), row.getString("user_text"), row.getString("status"),
                row.getString("error_code"), row.getString("error_reason"),
                row.getOffsetDateTime("created_at").toInstant(), finishedAt);
    }
}

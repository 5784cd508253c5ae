package io.switchboard.runtime.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Tool calls waiting for operators, and their decisions. */
@ApplicationScoped
public class ApprovalRepository {
    private static final String SELECT = "select a.*, v.name as agent_name from runtime.approvals a"
            + " join runtime.sessions s on s.id = a.session_id"
            + " join runtime.agent_versions v on v.agent_id = s.agent_id and v.version = s.agent_version";

    private final Pool pool;

    public ApprovalRepository(Pool pool) {
        this.pool = pool;
    }

    /** The call's approval, asked for now unless it was before (then as it stands: maybe decided already). */
    public Uni<Approval> request(UUID sessionId, UUID turnId, String callId, String toolName, String arguments) {
        return pool.preparedQuery("insert into runtime.approvals (id, session_id, turn_id, call_id, tool_name,"
                        + " arguments, status) values ($1, $2, $3, $4, $5, $6, $7) on conflict (turn_id, call_id) do nothing")
                .execute(Tuple.from(new Object[] {UUID.randomUUID(), sessionId, turnId, callId, toolName, arguments,
                        Approval.PENDING}))
                .flatMap(x -> pool.preparedQuery(SELECT + " where a.turn_id = $1 and a.call_id = $2")
                        .execute(Tuple.of(turnId, callId)))
                .map(rows -> toApproval(rows.iterator().next()));
    }

    /** The organization's undecided approvals of turns still waiting (a cancelled or failed turn's are void). */
    public Uni<List<Approval>> pending(UUID orgId, int limit) {
        return pool.preparedQuery(SELECT + " join runtime.turns t on t.id = a.turn_id where a.status = $1"
                        + " and t.status in ('waiting', 'running') and s.org_id = $3 order by a.requested_at limit $2")
                .execute(Tuple.of(Approval.PENDING, limit, orgId)).map(ApprovalRepository::toApprovals);
    }

    /** The session's approvals, oldest first. */
    public Uni<List<Approval>> ofSession(UUID sessionId) {
        return pool.preparedQuery(SELECT + " where a.session_id = $1 order by a.requested_at")
                .execute(Tuple.of(sessionId)).map(ApprovalRepository::toApprovals);
    }

    /** How a decision went; {@code resumable}: it was the turn's last undecided approval, so the turn goes on. */
    public record Decided(Outcome outcome, Approval approval, boolean resumable) {
    }

    public enum Outcome { DECIDED, NOT_FOUND, ALREADY_DECIDED, TURN_ENDED }

    /**
     * Approves or denies; when no approval of the turn is left undecided, the waiting turn becomes {@code running}
     * again without a runner, for the next one (or the recovery sweep) to resume. One transaction.
     */
    public Uni<Decided> decide(UUID orgId, UUID id, boolean approve, String reason) {
        return pool.withTransaction(tx -> tx.preparedQuery("select a.status, a.turn_id, t.status as turn_status"
                        + " from runtime.approvals a join runtime.turns t on t.id = a.turn_id"
                        + " join runtime.sessions s on s.id = a.session_id where a.id = $1 and s.org_id = $2"
                        + " for update of a, t")
                .execute(Tuple.of(id, orgId))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(new Decided(Outcome.NOT_FOUND, null, false));
                    }
                    Row row = rows.iterator().next();
                    UUID turnId = row.getUUID("turn_id");
                    if (!row.getString("status").equals(Approval.PENDING)) {
                        return find(tx, id).map(a -> new Decided(Outcome.ALREADY_DECIDED, a, false));
                    }
                    if (!List.of(Turn.WAITING, Turn.RUNNING).contains(row.getString("turn_status"))) {
                        return find(tx, id).map(a -> new Decided(Outcome.TURN_ENDED, a, false));
                    }
                    return tx.preparedQuery("update runtime.approvals set status = $2, reason = $3,"
                                    + " decided_at = now() where id = $1")
                            .execute(Tuple.of(id, approve ? Approval.APPROVED : Approval.DENIED, reason))
                            .flatMap(x -> tx.preparedQuery("update runtime.turns set status = $2 where id = $1"
                                            + " and status = $3 and not exists (select 1 from runtime.approvals"
                                            + " where turn_id = $1 and status = $4)")
                                    .execute(Tuple.of(turnId, Turn.RUNNING, Turn.WAITING, Approval.PENDING)))
                            .flatMap(resumed -> find(tx, id).map(a -> new Decided(Outcome.DECIDED, a,
                                    resumed.rowCount() == 1)));
                }));
    }

    private static Uni<Approval> find(io.vertx.mutiny.sqlclient.SqlClient client, UUID id) {
        return client.preparedQuery(SELECT + " where a.id = $1").execute(Tuple.of(id))
                .map(rows -> toApproval(rows.iterator().next()));
    }

    private static List<Approval> toApprovals(RowSet<Row> rows) {
        List<Approval> all = new ArrayList<>();
        rows.forEach(row -> all.add(toApproval(row)));
        return all;
    }

    private static Approval toApproval(Row row) {
        OffsetDateTime decided = row.getOffsetDateTime("decided_at");
        return new Approval(row.getUUID("id"), row.getUUID("session_id"), row.getUUID("turn_id"),
                row.getString("call_id"), row.getString("tool_name"), row.getString("arguments"),
                row.getString("status"), row.getString("reason"), row.getOffsetDateTime("requested_at").toInstant(),
                decided == null ? null : decided.toInstant(), row.getString("agent_name"));
    }
}

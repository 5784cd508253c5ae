package io.switchboard.runtime.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Context snapshots (older turns left behind, maybe summarised) and what each model call was sent. */
@ApplicationScoped
public class ContextRepository {
    private final Pool pool;

    public ContextRepository(Pool pool) {
        this.pool = pool;
    }

    /** Older turns left behind through {@code throughPosition}, with their {@code summary} or none. */
    public record Snapshot(int throughPosition, String summary) {
    }

    /**
     * One model call as the debugger shows it; the messages sent are rebuilt from the journal. Recorded with the turn's
     * journal write that follows it ({@link SessionRepository#append}, {@link SessionRepository#finish}).
     */
    public record ModelCall(String requestId, UUID turnId, String model, Integer snapshotPosition, int firstPosition,
                            int lastPosition, Integer promptTokens, Instant createdAt) {
    }

    /**
     * Records a snapshot, refused ({@link SessionRepository.LeaseLost}) unless the runner's lease ({@code fence}) is
     * still the session's. Gives the summary stored: a second snapshot at the same position (a resumed turn) keeps
     * the first, and the runner goes on from that one, so what the model is sent is what the journal says.
     */
    public Uni<String> snapshot(UUID sessionId, int throughPosition, String summary, long fence) {
        return pool.preparedQuery("with fence as (select 1 from runtime.sessions where id = $1 and lease_epoch = $4"
                        + " for share) insert into runtime.context_snapshots (session_id, through_position, summary)"
                        + " select $1, $2, $3 where exists (select 1 from fence) on conflict (session_id,"
                        + " through_position) do update set summary = runtime.context_snapshots.summary"
                        + " returning summary")
                .execute(Tuple.of(sessionId, throughPosition, summary, fence))
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw new SessionRepository.LeaseLost(sessionId);
                    }
                    return rows.iterator().next().getString("summary");
                });
    }

    public Uni<List<Snapshot>> snapshots(UUID sessionId) {
        return pool.preparedQuery("select through_position, summary from runtime.context_snapshots"
                        + " where session_id = $1 order by through_position")
                .execute(Tuple.of(sessionId))
                .map(rows -> {
                    List<Snapshot> all = new ArrayList<>();
                    rows.forEach(row -> all.add(new Snapshot(row.getInteger("through_position"), row.getString("summary"))));
                    return all;
                });
    }

    /** The session's model calls, oldest first. */
    public Uni<List<ModelCall>> calls(UUID sessionId) {
        return pool.preparedQuery("select * from runtime.model_calls where session_id = $1 order by created_at, request_id")
                .execute(Tuple.of(sessionId))
                .map(rows -> {
                    List<ModelCall> calls = new ArrayList<>();
                    rows.forEach(row -> calls.add(toCall(row)));
                    return calls;
                });
    }

    private static ModelCall toCall(Row row) {
        return new ModelCall(row.getString("request_id"), row.getUUID("turn_id"), row.getString("model"),
                row.getInteger("snapshot_position"), row.getInteger("first_position"), row.getInteger("last_position"),
                row.getInteger("prompt_tokens"), row.getOffsetDateTime("created_at").toInstant());
    }
}

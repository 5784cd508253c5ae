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

    /** Records a snapshot; a second one at the same position (a resumed turn) keeps the first. */
    public Uni<Void> snapshot(UUID sessionId, int throughPosition, String summary) {
        return pool.preparedQuery("insert into runtime.context_snapshots (session_id, through_position, summary)"
                        + " values ($1, $2, $3) on conflict do nothing")
                .execute(Tuple.of(sessionId, throughPosition, summary)).replaceWithVoid();
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

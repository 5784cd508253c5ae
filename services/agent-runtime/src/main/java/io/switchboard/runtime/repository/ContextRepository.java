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

    /** One model call as the debugger shows it; the messages sent are rebuilt from the journal. */
    public record ModelCall(String requestId, UUID turnId, String model, Integer snapshotPosition, int firstPosition,
                            int lastPosition, Integer promptTokens, Instant createdAt) {
    }

    /** Records a snapshot; a second one at the same position (a resumed turn) keeps the first. */
    public Uni<Void> snapshot(UUID sessionId, int throughPosition, String summary) {
        return pool.preparedQuery("insert into runtime.context_snapshots (session_id, through_position, summary)"
                        + " values ($1, $2, $3) on conflict do nothing")
                .execute(Tuple.of(sessionId, throughPosition, summary)).replaceWithVoid();
    }

    /** The session's newest snapshot, or null. */
    public Uni<Snapshot> latest(UUID sessionId) {
        return pool.preparedQuery("select through_position, summary from runtime.context_snapshots"
                        + " where session_id = $1 order by through_position desc limit 1")
                .execute(Tuple.of(sessionId))
                .map(rows -> rows.size() == 0 ? null : new Snapshot(rows.iterator().next().getInteger("through_position"),
                        rows.iterator().next().getString("summary")));
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

    /** Records what a model call is sent, before it is sent; a resumed turn's repeat of the call replaces it. */
    public Uni<Void> record(UUID sessionId, ModelCall call) {
        return pool.preparedQuery("insert into runtime.model_calls (request_id, session_id, turn_id, model,"
                        + " snapshot_position, first_position, last_position, prompt_tokens)"
                        + " values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (request_id) do update set"
                        + " snapshot_position = excluded.snapshot_position, first_position = excluded.first_position,"
                        + " last_position = excluded.last_position, prompt_tokens = excluded.prompt_tokens,"
                        + " created_at = now()")
                .execute(Tuple.from(new Object[] {call.requestId(), sessionId, call.turnId(), call.model(),
                        call.snapshotPosition(), call.firstPosition(), call.lastPosition(), call.promptTokens()}))
                .replaceWithVoid();
    }

    /** The session's model calls, oldest first. */
    public Uni<List<ModelCall>> calls(UUID sessionId) {
        return pool.preparedQuery("select * from runtime.model_calls where session_id = $1 order by created_at")
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

package io.switchboard.jobs;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Retention's deletes: a statement that deletes at most {@code $2} rows older than {@code $1}, run again while it
 * deletes a full batch, a bounded number of times (a backlog goes over several runs), so no statement holds many rows
 * locked or fills the WAL at once.
 */
public final class BatchedDelete {
    public static final int BATCH = 1000;
    public static final int MAX_BATCHES = 40;

    private BatchedDelete() {
    }

    /** Runs {@code sql} until a batch is short or the bound is reached; how many rows went. */
    public static Uni<Integer> run(Pool pool, String sql, Instant cutoff) {
        return run(pool, sql, cutoff, 0, 0);
    }

    private static Uni<Integer> run(Pool pool, String sql, Instant cutoff, int done, int batches) {
        return pool.preparedQuery(sql).execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC), BATCH)).flatMap(rows -> {
            int total = done + rows.rowCount();
            return rows.rowCount() < BATCH || batches + 1 >= MAX_BATCHES ? Uni.createFrom().item(total)
                    : run(pool, sql, cutoff, total, batches + 1);
        });
    }
}

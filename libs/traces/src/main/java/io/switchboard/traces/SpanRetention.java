package io.switchboard.traces;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Deletes spans older than {@code switchboard.spans.retention} (30 days by default), a bounded batch per statement so
 * no delete holds many rows locked or fills the WAL at once; every replica of both writers does it (a batch another
 * one deletes at the same time is simply smaller).
 */
@ApplicationScoped
public class SpanRetention {
    private static final Logger LOG = Logger.getLogger(SpanRetention.class);
    private static final int MAX_BATCHES_PER_RUN = 100;

    private final Pool pool;
    private final Duration retention;
    private final int batch;

    public SpanRetention(Pool pool,
                         @ConfigProperty(name = "switchboard.spans.retention", defaultValue = "30d") Duration retention,
                         @ConfigProperty(name = "switchboard.spans.delete-batch", defaultValue = "5000") int batch) {
        this.pool = pool;
        this.retention = retention;
        this.batch = Math.max(1, batch);
    }

    @Scheduled(every = "${switchboard.spans.retention-check:10m}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> deleteOld() {
        OffsetDateTime before = OffsetDateTime.now(ZoneOffset.UTC).minus(retention);
        return deleteBatches(before, 0).onFailure().invoke(e -> LOG.warnf("span retention: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Deletes batches of spans started before {@code before} until one is short; gives how many were deleted. */
    public Uni<Integer> deleteBatches(OffsetDateTime before, int deletedSoFar) {
        return pool.preparedQuery("delete from traces.spans where ctid = any(array(select ctid from traces.spans"
                        + " where started_at < $1 order by started_at limit $2))")
                .execute(Tuple.of(before, batch)).flatMap(rows -> {
                    int total = deletedSoFar + rows.rowCount();
                    return rows.rowCount() < batch || total >= batch * MAX_BATCHES_PER_RUN
                            ? Uni.createFrom().item(total) : deleteBatches(before, total);
                });
    }
}

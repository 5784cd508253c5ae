package io.switchboard.runtime.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gauges whose truth is the database, shared by every replica: approvals waiting for an operator and sessions held by
 * a runner (active: a turn runs, or has just ended), counted every 15 s (through partial indexes, a few rows each).
 */
@ApplicationScoped
public class PlatformGauges {
    private final Pool pool;
    private final AtomicLong approvalsWaiting = new AtomicLong();
    private final AtomicLong activeSessions = new AtomicLong();

    public PlatformGauges(Pool pool, MeterRegistry meters) {
        this.pool = pool;
        Gauge.builder("switchboard.approvals.waiting", approvalsWaiting, AtomicLong::get)
                .description("Tool calls waiting for an operator's approval (all replicas)").register(meters);
        Gauge.builder("switchboard.sessions.active", activeSessions, AtomicLong::get)
                .description("Sessions a runner holds now (all replicas)").register(meters);
    }

    @Scheduled(every = "${runtime.metrics.gauges-interval:15s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> count() {
        return pool.query("select (select count(*) from runtime.approvals where status = 'pending'),"
                        + " (select count(*) from runtime.sessions where runner_id is not null"
                        + " and lease_until > now())")
                .execute().invoke(rows -> {
                    var row = rows.iterator().next();
                    approvalsWaiting.set(row.getLong(0));
                    activeSessions.set(row.getLong(1));
                }).replaceWithVoid().onFailure().recoverWithNull();
    }
}

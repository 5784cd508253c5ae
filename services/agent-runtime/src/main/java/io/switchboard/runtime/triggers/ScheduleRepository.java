package io.switchboard.runtime.triggers;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** Agents' schedules ({@code runtime.schedules}) and the ticks that ran ({@code runtime.schedule_runs}). */
@ApplicationScoped
public class ScheduleRepository {
    private final Pool pool;

    public ScheduleRepository(Pool pool) {
        this.pool = pool;
    }

    /** A schedule; {@code sessionId}: with {@code sessionMode} reuse, the session every tick goes on in. */
    public record Schedule(UUID id, UUID orgId, UUID agentId, String cron, String timezone, String message,
                           String sessionMode, UUID sessionId, boolean paused, String createdBy, Instant createdAt) {
    }

    /** A tick that ran: the session and turn it started. */
    public record Ran(Instant tick, UUID sessionId, UUID turnId, Instant ranAt) {
    }

    public Uni<Void> insert(SqlClient tx, Schedule s) {
        return tx.preparedQuery("insert into runtime.schedules (id, org_id, agent_id, cron, timezone, message,"
                        + " session_mode, session_id, created_by) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .execute(Tuple.from(Arrays.asList(s.id(), s.orgId(), s.agentId(), s.cron(), s.timezone(),
                        s.message(), s.sessionMode(), s.sessionId(), s.createdBy())))
                .replaceWithVoid();
    }

    /** The schedule, whoever's it is (for its ticks); null when it is gone. */
    public Uni<Schedule> find(UUID id) {
        return pool.preparedQuery("select * from runtime.schedules where id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : toSchedule(rows.iterator().next()));
    }

    public Uni<Schedule> find(UUID orgId, UUID id) {
        return pool.preparedQuery("select * from runtime.schedules where id = $1 and org_id = $2")
                .execute(Tuple.of(id, orgId)).map(rows -> rows.size() == 0 ? null : toSchedule(rows.iterator().next()));
    }

    public Uni<List<Schedule>> list(UUID orgId) {
        return pool.preparedQuery("select * from runtime.schedules where org_id = $1 order by created_at desc")
                .execute(Tuple.of(orgId)).map(rows -> {
                    List<Schedule> all = new ArrayList<>(rows.rowCount());
                    rows.forEach(row -> all.add(toSchedule(row)));
                    return all;
                });
    }

    /** Pauses or resumes the organization's schedule; false when it has none of that id or it already was so. */
    public Uni<Boolean> setPaused(SqlClient tx, UUID orgId, UUID id, boolean paused) {
        return tx.preparedQuery("update runtime.schedules set paused = $3 where id = $1 and org_id = $2"
                        + " and paused <> $3").execute(Tuple.of(id, orgId, paused))
                .map(rows -> rows.rowCount() == 1);
    }

    public Uni<Boolean> delete(SqlClient tx, UUID orgId, UUID id) {
        return tx.preparedQuery("delete from runtime.schedules where id = $1 and org_id = $2")
                .execute(Tuple.of(id, orgId)).map(rows -> rows.rowCount() == 1);
    }

    /** Notes that the tick ran with that session and turn; false when it had (the same ids, chosen from the tick). */
    public Uni<Boolean> ran(UUID scheduleId, Instant tick, UUID sessionId, UUID turnId) {
        return pool.preparedQuery("insert into runtime.schedule_runs (schedule_id, tick, session_id, turn_id)"
                        + " values ($1, $2, $3, $4) on conflict do nothing")
                .execute(Tuple.of(scheduleId, tick.atOffset(ZoneOffset.UTC), sessionId, turnId))
                .map(rows -> rows.rowCount() == 1);
    }

    /** The schedule's newest ticks that ran. */
    public Uni<List<Ran>> runs(UUID scheduleId, int limit) {
        return pool.preparedQuery("select * from runtime.schedule_runs where schedule_id = $1 order by tick desc"
                        + " limit $2").execute(Tuple.of(scheduleId, limit))
                .map(rows -> {
                    List<Ran> all = new ArrayList<>(rows.rowCount());
                    for (Row r : rows) {
                        all.add(new Ran(r.getOffsetDateTime("tick").toInstant(), r.getUUID("session_id"),
                                r.getUUID("turn_id"), r.getOffsetDateTime("ran_at").toInstant()));
                    }
                    return all;
                });
    }

    private static Schedule toSchedule(Row r) {
        return new Schedule(r.getUUID("id"), r.getUUID("org_id"), r.getUUID("agent_id"), r.getString("cron"),
                r.getString("timezone"), r.getString("message"), r.getString("session_mode"),
                r.getUUID("session_id"), r.getBoolean("paused"), r.getString("created_by"),
                r.getOffsetDateTime("created_at").toInstant());
    }
}

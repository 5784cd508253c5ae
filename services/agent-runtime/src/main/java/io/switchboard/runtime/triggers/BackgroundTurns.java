package io.switchboard.runtime.triggers;

import io.smallrye.mutiny.Uni;
import io.switchboard.runtime.config.RuntimeConfig;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The bound on turns nobody typed ({@code runtime.background.*}): a schedule's or webhook's job claims a place for its
 * turn before it sends it, and waits when the organization or the agent has as many unfinished as allowed (waiting for
 * an approval counts). A place is held until the turn ends, or, for a turn never journaled, five minutes.
 */
@ApplicationScoped
public class BackgroundTurns {
    /** How long a job waits at least before it looks for a place again (and up to as long again, at random). */
    public static final Duration WAIT = Duration.ofSeconds(3);

    private final Pool pool;
    private final RuntimeConfig config;

    public BackgroundTurns(Pool pool, RuntimeConfig config) {
        this.pool = pool;
        this.config = config;
    }

    /** When a job that found no place looks again: a few seconds on, spread so a backlog does not look all at once. */
    public static Instant later() {
        return Instant.now().plus(WAIT).plusMillis(ThreadLocalRandom.current().nextLong(WAIT.toMillis()));
    }

    /**
     * Claims a place for the turn; false when there is none now. One organization's claims take turns (an advisory
     * lock), so two replicas cannot both take the last place.
     */
    public Uni<Boolean> claim(UUID orgId, UUID agentId, UUID turnId) {
        return claim(orgId, agentId, turnId, config.background().maxTurnsPerOrg(),
                config.background().maxTurnsPerAgent());
    }

    Uni<Boolean> claim(UUID orgId, UUID agentId, UUID turnId, int maxPerOrg, int maxPerAgent) {
        return pool.withTransaction(tx -> tx.preparedQuery("select pg_advisory_xact_lock(hashtextextended($1, 17))")
                .execute(Tuple.of(orgId.toString()))
                .flatMap(x -> tx.preparedQuery("delete from runtime.background_turns b using runtime.turns t"
                        + " where t.id = b.turn_id and b.org_id = $1"
                        + " and t.status not in ('pending', 'running', 'waiting')")
                        .execute(Tuple.of(orgId)))
                .flatMap(x -> tx.preparedQuery("select count(*) as org, count(*) filter (where b.agent_id = $2) as"
                                + " agent, count(*) filter (where b.turn_id = $3) as mine"
                                + " from runtime.background_turns b left join runtime.turns t on t.id = b.turn_id"
                                + " where b.org_id = $1 and (t.status in ('pending', 'running', 'waiting')"
                                + " or t.id is null and b.started_at > now() - interval '5 minutes')")
                        .execute(Tuple.of(orgId, agentId, turnId)))
                .flatMap(rows -> {
                    Row counts = rows.iterator().next();
                    if (counts.getLong("mine") > 0) {
                        return Uni.createFrom().item(true); // claimed before (the job runs again)
                    }
                    if (counts.getLong("org") >= maxPerOrg || counts.getLong("agent") >= maxPerAgent) {
                        return Uni.createFrom().item(false);
                    }
                    return tx.preparedQuery("insert into runtime.background_turns (turn_id, org_id, agent_id)"
                                    + " values ($1, $2, $3) on conflict do nothing")
                            .execute(Tuple.of(turnId, orgId, agentId)).replaceWith(true);
                }));
    }
}

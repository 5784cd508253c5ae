package io.switchboard.runtime.triggers;

import io.smallrye.mutiny.Uni;
import io.switchboard.jobs.Job;
import io.switchboard.jobs.JobKind;
import io.switchboard.jobs.JobResult;
import io.switchboard.runtime.service.SessionService;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * A job that starts a turn nobody typed (a webhook delivery's): it puts the message on {@code agent.commands} for the
 * session's runner, once {@link BackgroundTurns} has room for it. Queued in the transaction that took the delivery, so
 * a turn is started for each delivery taken, even when the replica stops right after answering; sent twice, the turn
 * is journaled once (its id is chosen up front).
 */
@ApplicationScoped
public class StartTurn implements JobKind<StartTurn.Turn> {
    public static final String NAME = "start-turn";

    /** The turn to start; {@code source} says what started it (for the jobs page). */
    public record Turn(UUID orgId, UUID agentId, UUID sessionId, UUID turnId, String text, String source) {
    }

    private final SessionService sessions;
    private final BackgroundTurns background;

    public StartTurn(SessionService sessions, BackgroundTurns background) {
        this.sessions = sessions;
        this.background = background;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<Turn> dataType() {
        return Turn.class;
    }

    @Override
    public Uni<JobResult<Turn>> run(Job<Turn> job) {
        Turn turn = job.data();
        return background.claim(turn.orgId(), turn.agentId(), turn.turnId()).flatMap(room -> room
                ? sessions.send(turn.orgId(), turn.sessionId(), turn.turnId(), turn.text())
                        .replaceWith(JobResult.<Turn>done())
                : Uni.createFrom().item(JobResult.deferred(BackgroundTurns.later(), turn)));
    }
}

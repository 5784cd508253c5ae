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
 * session's runner. Queued in the transaction that took the delivery, so a turn is started for each delivery taken,
 * even when the replica stops right after answering; sent twice, the turn is journaled once (its id is chosen up
 * front).
 */
@ApplicationScoped
public class StartTurn implements JobKind<StartTurn.Turn> {
    public static final String NAME = "start-turn";

    /** The turn to start; {@code source} says what started it (for the jobs page). */
    public record Turn(UUID orgId, UUID sessionId, UUID turnId, String text, String source) {
    }

    private final SessionService sessions;

    public StartTurn(SessionService sessions) {
        this.sessions = sessions;
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
        return sessions.send(turn.orgId(), turn.sessionId(), turn.turnId(), turn.text()).replaceWith(JobResult.done());
    }
}

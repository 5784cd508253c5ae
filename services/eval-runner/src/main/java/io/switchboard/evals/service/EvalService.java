package io.switchboard.evals.service;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.switchboard.contracts.agent.AgentEvent;
import io.switchboard.contracts.agent.StartSession;
import io.switchboard.contracts.agent.TurnCompleted;
import io.switchboard.contracts.agent.TurnFailed;
import io.switchboard.contracts.agent.UserMessage;
import io.switchboard.evals.config.EvalConfig;
import io.switchboard.evals.messaging.CommandPublisher;
import io.switchboard.evals.messaging.TurnWaiters;
import io.switchboard.evals.repository.EvalRepository.Case;
import io.switchboard.evals.repository.EvalRepository.Result;
import io.switchboard.evals.repository.EvalRepository.Run;
import io.switchboard.evals.repository.EvalRepository.Suite;
import io.switchboard.evals.repository.EvalRepository;
import io.switchboard.evals.scorer.ContainsScorer;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Runs a suite: every case in a fresh session, started and talked to over Kafka exactly as a user's client would,
 * scored when its turn ends, and stored one result at a time so a run in progress shows what is done.
 */
@ApplicationScoped
public class EvalService {
    private static final Logger LOG = Logger.getLogger(EvalService.class);
    /** Cases of one run in flight at once. */
    private static final int CONCURRENT_CASES = 4;

    private final EvalRepository repository;
    private final CommandPublisher commands;
    private final TurnWaiters waiters;
    private final EvalConfig config;

    public EvalService(EvalRepository repository, CommandPublisher commands, TurnWaiters waiters, EvalConfig config) {
        this.repository = repository;
        this.commands = commands;
        this.waiters = waiters;
        this.config = config;
    }

    /** Starts a run of the suite in the background and returns it at once. */
    public Uni<Run> start(Suite suite) {
        return repository.startRun(suite.id()).invoke(run -> execute(suite, run)
                .subscribe().with(x -> LOG.infof("eval run %s finished", run.id()),
                        e -> LOG.errorf(e, "eval run %s broke off", run.id())));
    }

    private Uni<Void> execute(Suite suite, Run run) {
        return repository.cases(suite.id())
                .onItem().transformToMulti(cases -> Multi.createFrom().iterable(cases))
                .onItem().transformToUni(c -> runCase(suite, c)
                        .flatMap(result -> repository.addResult(run.id(), result))).merge(CONCURRENT_CASES)
                .collect().last()
                .flatMap(x -> repository.finishRun(run.id()));
    }

    private Uni<Result> runCase(Suite suite, Case testCase) {
        UUID sessionId = UUID.randomUUID();
        String session = sessionId.toString();
        long start = System.nanoTime();
        // listen before sending, so a fast turn cannot end unheard; cancelling the future stops listening
        CompletableFuture<AgentEvent> turnEnd = waiters.nextTurnEnd(session).subscribeAsCompletionStage();
        String org = suite.orgId().toString();
        return commands.send(StartSession.of(UUID.randomUUID().toString(), org, session, suite.agentId().toString()))
                .flatMap(x -> commands.send(UserMessage.of(UUID.randomUUID().toString(), org, session,
                        UUID.randomUUID().toString(), testCase.input())))
                .flatMap(x -> Uni.createFrom().completionStage(turnEnd)
                        .ifNoItem().after(config.turnTimeout()).failWith(TimeoutException::new))
                .map(event -> score(testCase, sessionId, event, start))
                .onFailure().recoverWithItem(e -> new Result(testCase.position(), sessionId, false, null,
                        e instanceof TimeoutException ? "no answer within " + config.turnTimeout()
                                : "could not run the case: " + e.getMessage(), millisSince(start)))
                .onTermination().invoke(() -> turnEnd.cancel(false));
    }

    private static Result score(Case testCase, UUID sessionId, AgentEvent event, long start) {
        int latency = millisSince(start);
        if (event instanceof TurnCompleted done) {
            return new Result(testCase.position(), sessionId, ContainsScorer.passes(done.text(),
                    testCase.expectContains()), done.text(), null, latency);
        }
        TurnFailed failed = (TurnFailed) event;
        return new Result(testCase.position(), sessionId, false, null, failed.code() + ": " + failed.reason(),
                latency);
    }

    private static int millisSince(long start) {
        return (int) ((System.nanoTime() - start) / 1_000_000);
    }
}

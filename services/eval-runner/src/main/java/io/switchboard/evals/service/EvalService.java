package io.switchboard.evals.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.switchboard.api.Problem;
import io.switchboard.evals.config.EvalConfig;
import io.switchboard.evals.repository.EvalRepository;
import io.switchboard.evals.repository.EvalRepository.CaseResult;
import io.switchboard.evals.repository.EvalRepository.Run;
import io.switchboard.evals.repository.EvalRepository.Suite;
import io.switchboard.evals.scorer.Judge;
import io.switchboard.evals.suite.SuiteParser;
import io.switchboard.evals.suite.SuiteSpec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Runs suites. A run is held by the replica running it under a lease it renews; cases (and their repetitions) run in
 * parallel up to a bound, and each result is stored as it comes. A replica that dies leaves its runs' leases to run
 * out: any replica then takes them up and runs the cases without a result; a run taken up more than
 * {@code evals.max-attempts} times ends {@code interrupted}. A run never stays {@code running}.
 */
@ApplicationScoped
public class EvalService {
    private static final Logger LOG = Logger.getLogger(EvalService.class);

    private final EvalRepository repository;
    private final CaseRunner cases;
    private final EvalConfig config;
    private final SuiteParser parser;
    private final String runner = "eval-runner-" + UUID.randomUUID();
    /** The runs this replica runs, and how to stop each (when another replica took it up). */
    private final Map<UUID, Cancellable> running = new ConcurrentHashMap<>();

    public EvalService(EvalRepository repository, CaseRunner cases, EvalConfig config) {
        this.repository = repository;
        this.cases = cases;
        this.config = config;
        this.parser = SuiteParser.forStored();
    }

    /** The suite's document read again (it was checked when saved). */
    public SuiteSpec spec(JsonNode document) {
        return parser.parse(document.toString()).spec();
    }

    /**
     * Starts a run of the suite on {@code agentVersion} in the background and returns it at once; 429 when the
     * organization has {@code evals.max-running-runs} running already.
     */
    public Uni<Run> start(Suite suite, Integer agentVersion, String model, UUID baselineId, String trigger) {
        SuiteSpec spec = spec(suite.document());
        return repository.running(suite.orgId()).flatMap(now -> {
            if (now >= config.maxRunningRuns()) {
                throw Problem.tooManyRequests(now + " runs of this organization are running; at most "
                        + config.maxRunningRuns() + " at once", Duration.ofSeconds(10));
            }
            return repository.startRun(suite, suite.document(), agentVersion, model, baselineId,
                    spec.cases().size() * spec.repeat(), trigger, Judge.PROMPT_VERSION, runner, config.lease());
        }).invoke(run -> execute(run, spec, List.of()));
    }

    private void execute(Run run, SuiteSpec spec, List<CaseResult> done) {
        CaseRunner.Target target = new CaseRunner.Target(run.orgId().toString(), run.agentId().toString(),
                run.agentVersion());
        Set<String> finished = ConcurrentHashMap.newKeySet();
        done.forEach(r -> finished.add(r.caseIndex() + "/" + r.repetition()));
        List<int[]> todo = new ArrayList<>();
        for (int r = 0; r < spec.repeat(); r++) {
            for (int c = 0; c < spec.cases().size(); c++) {
                if (!finished.contains(c + "/" + r)) {
                    todo.add(new int[] {c, r});
                }
            }
        }
        int parallel = Math.min(spec.parallel() == null ? config.parallelCases() : spec.parallel(),
                config.parallelCases());
        Cancellable execution = Multi.createFrom().iterable(todo)
                .onItem().transformToUni(item -> cases.run(target, spec.cases().get(item[0]), item[0], item[1])
                        .flatMap(result -> repository.addResult(run.id(), runner, result)))
                .merge(parallel)
                .collect().last()
                .flatMap(x -> repository.finishRun(run.id(), runner, Run.COMPLETED, null))
                .onTermination().invoke(() -> running.remove(run.id()))
                .subscribe().with(x -> LOG.infof("eval run %s finished", run.id()),
                        // its lease runs out and a replica takes it up again
                        e -> LOG.errorf(e, "eval run %s broke off; it is taken up again", run.id()));
        running.put(run.id(), execution);
    }

    /** Renews the leases of this replica's runs, and takes up runs whose runner died. */
    @Scheduled(every = "${evals.heartbeat:10s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> heartbeat() {
        List<UUID> mine = List.copyOf(running.keySet());
        Uni<Void> renewed = mine.isEmpty() ? Uni.createFrom().voidItem()
                : repository.renew(runner, mine, config.lease()).invoke(held -> mine.stream()
                        .filter(id -> !held.contains(id)).forEach(lost -> {
                            // another replica took it up (this one missed its renewals): it goes on there alone
                            LOG.warnf("eval run %s was taken up elsewhere: stopping it here", lost);
                            Cancellable execution = running.remove(lost);
                            if (execution != null) {
                                execution.cancel();
                            }
                        })).replaceWithVoid();
        // runs of dead replicas are taken up while this one has room
        return renewed.flatMap(x -> adoptOrphans(Math.max(0, config.maxRunningRuns() - running.size())))
                .onFailure().invoke(e -> LOG.warnf("eval runs: heartbeat failed: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<Void> adoptOrphans(int most) {
        if (most == 0) {
            return Uni.createFrom().voidItem();
        }
        return repository.adoptOrphan(runner, config.lease()).flatMap(adopted -> {
            if (adopted == null) {
                return Uni.createFrom().voidItem();
            }
            Run run = adopted.run();
            if (adopted.attempts() > config.maxAttempts()) {
                LOG.warnf("eval run %s was taken up %d times: it ends interrupted", run.id(), adopted.attempts() - 1);
                return repository.finishRun(run.id(), runner, Run.INTERRUPTED, "its runner stopped "
                        + (adopted.attempts() - 1) + " times").flatMap(x -> adoptOrphans(most - 1));
            }
            return repository.runDocument(run.id()).flatMap(document -> repository.results(run.id())
                    .invoke(done -> {
                        LOG.infof("eval run %s: taken up again, %d of %d done", run.id(), done.size(), run.total());
                        execute(run, spec(document), done);
                    }))
                    .onFailure(SuiteParser.Invalid.class).call(e -> repository.finishRun(run.id(), runner,
                            Run.INTERRUPTED, "its suite can no longer be read: " + e.getMessage()))
                    .onFailure(SuiteParser.Invalid.class).recoverWithNull()
                    .flatMap(x -> adoptOrphans(most - 1));
        });
    }

    /** A clean stop gives its runs back, so another replica (or this one, restarted) takes them up at once. */
    void onStop(@Observes ShutdownEvent stop) {
        try {
            repository.releaseAll(runner).await().atMost(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.warnf("eval runs not given back (their leases will run out): %s", e.getMessage());
        }
    }
}

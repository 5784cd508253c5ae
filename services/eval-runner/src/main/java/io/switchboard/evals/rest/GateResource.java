package io.switchboard.evals.rest;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.evals.client.AgentRuntimeClient.AgentVersion;
import io.switchboard.evals.config.EvalConfig;
import io.switchboard.evals.repository.EvalRepository;
import io.switchboard.evals.repository.EvalRepository.Run;
import io.switchboard.evals.repository.EvalRepository.Suite;
import io.switchboard.evals.scorer.Check;
import io.switchboard.evals.service.Comparison;
import io.switchboard.evals.service.EvalService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The publish gate: agent-runtime asks, with the publisher's token, before it publishes a version of an agent that
 * requires suites to pass ({@code publishGate}). Each suite runs against that version (trigger {@code publish}); the
 * answer comes when all have ended: passed only if every case of every suite passed.
 */
@Path("/api/gate")
@RolesAllowed(Role.OPERATOR_NAME)
public class GateResource {
    private final EvalRepository repository;
    private final EvalService evals;
    private final Agents agents;
    private final EvalConfig config;

    public GateResource(EvalRepository repository, EvalService evals, Agents agents, EvalConfig config) {
        this.repository = repository;
        this.evals = evals;
        this.agents = agents;
        this.config = config;
    }

    public record Gate(String agentId, Integer version, List<String> suites) {
    }

    /** One suite's run for the gate: its failed (or unchecked) cases, "name: why". */
    public record GateRun(String suite, UUID runId, String status, List<String> failed) {
    }

    public record GateResult(boolean passed, List<GateRun> runs) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<GateResult> check(Gate gate, SecurityContext security) {
        Caller caller = Caller.of(security);
        if (gate == null || gate.agentId() == null || gate.version() == null || gate.suites() == null
                || gate.suites().isEmpty()) {
            throw Problem.badRequest("agentId, version and suites are required");
        }
        if (gate.suites().size() > 20) {
            throw Problem.badRequest("suites: at most 20");
        }
        long deadline = System.nanoTime() + config.gateTimeout().toNanos();
        UUID agentId = Ids.parse(gate.agentId(), "agent");
        return repository.suites(caller.orgId()).flatMap(all -> {
            List<Suite> chosen = new ArrayList<>();
            for (String name : gate.suites()) {
                Suite suite = all.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(
                        () -> Problem.badRequest("suites: no suite is named \"" + name + "\""));
                if (!suite.agentId().equals(agentId)) {
                    throw Problem.badRequest("suites: suite \"" + name + "\" tests another agent");
                }
                chosen.add(suite);
            }
            return agents.check(evals.spec(chosen.get(0).document()), caller).flatMap(versions -> {
                AgentVersion version = versions.stream().filter(v -> v.version() == gate.version()).findFirst()
                        .orElseThrow(() -> Problem.badRequest("version: the agent has no version " + gate.version()));
                return Multi.createFrom().iterable(chosen)
                        .onItem().transformToUniAndConcatenate(suite -> repository.lastCompleted(suite.id(), null)
                                .flatMap(last -> evals.start(suite, version.version(), version.model(),
                                        last == null ? null : last.id(), "publish"))
                                .map(run -> new Object[] {suite, run}))
                        .collect().asList()
                        .flatMap(started -> Multi.createFrom().iterable(started)
                                .onItem().transformToUniAndConcatenate(s -> ended(caller, (Suite) s[0], (Run) s[1],
                                        deadline))
                                .collect().asList())
                        .map(runs -> new GateResult(runs.stream().allMatch(r -> r.status().equals(Run.COMPLETED)
                                && r.failed().isEmpty()), runs));
            });
        });
    }

    /** The run once it ended (by the gate's one deadline for all its suites), with its cases that did not pass. */
    private Uni<GateRun> ended(Caller caller, Suite suite, Run started, long deadline) {
        return Multi.createFrom().ticks().every(Duration.ofMillis(500)).onOverflow().drop()
                .onItem().transformToUniAndConcatenate(tick -> repository.run(caller.orgId(), started.id()))
                .select().where(run -> !run.status().equals(Run.RUNNING))
                .toUni()
                .ifNoItem().after(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))
                .failWith(() -> new Problem(504, "Gateway Timeout",
                        "suite " + suite.name() + " did not finish within " + config.gateTimeout()))
                .flatMap(run -> repository.results(run.id()).map(results -> {
                    List<String> failed = Comparison.summarize(results, evals.spec(suite.document()).passThreshold())
                            .stream().filter(c -> !c.outcome().equals(Check.PASS))
                            .map(c -> c.name() + ": " + (c.reason() == null ? c.outcome() : c.reason())).toList();
                    return new GateRun(suite.name(), run.id(), run.status(), failed);
                }));
    }
}

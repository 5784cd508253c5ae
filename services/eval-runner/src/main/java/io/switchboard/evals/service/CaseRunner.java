package io.switchboard.evals.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.switchboard.contracts.agent.StartSession;
import io.switchboard.contracts.agent.TurnCompleted;
import io.switchboard.contracts.agent.TurnFailed;
import io.switchboard.contracts.agent.UserMessage;
import io.switchboard.evals.config.EvalConfig;
import io.switchboard.evals.messaging.CommandPublisher;
import io.switchboard.evals.messaging.TurnWaiters;
import io.switchboard.evals.repository.EvalRepository.CaseResult;
import io.switchboard.evals.scorer.Check;
import io.switchboard.evals.scorer.Checks;
import io.switchboard.evals.scorer.Judge;
import io.switchboard.evals.scorer.Observed;
import io.switchboard.evals.scorer.UserSimulator;
import io.switchboard.evals.suite.Expectation;
import io.switchboard.evals.suite.SuiteSpec.CaseSpec;
import io.switchboard.evals.suite.SuiteSpec.TurnSpec;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * Runs one repetition of a case: a fresh session on the run's agent version, talked to over Kafka exactly as a user's
 * client would, turn after turn (the suite's, or a simulated user's until its goal is met), each turn checked against
 * its expectations when it ends and the case against its own at the end. A turn that failed fails the case unless
 * the turn expects a status.
 */
@ApplicationScoped
public class CaseRunner {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Expectation COMPLETED = new Expectation.Status("completed", null, "status: completed", 0);

    private final CommandPublisher commands;
    private final TurnWaiters waiters;
    private final Judge judge;
    private final UserSimulator users;
    private final EvalConfig config;

    public CaseRunner(CommandPublisher commands, TurnWaiters waiters, Judge judge, UserSimulator users,
                      EvalConfig config) {
        this.commands = commands;
        this.waiters = waiters;
        this.judge = judge;
        this.users = users;
        this.config = config;
    }

    /** Which agent version a run talks to (null: the published one when each case begins), for which organization. */
    public record Target(String orgId, String agentId, Integer agentVersion) {
    }

    /** A turn as it went: what was said, what was seen, its checks, and the agent version and model it ran on. */
    record TurnOutcome(String user, Observed seen, List<Check> checks, Integer agentVersion, String model) {
    }

    public Uni<CaseResult> run(Target target, CaseSpec spec, int index, int repetition) {
        UUID sessionId = UUID.randomUUID();
        String session = sessionId.toString();
        List<TurnOutcome> turns = new ArrayList<>();
        Uni<Void> opened = commands.send(target.agentVersion() == null
                ? StartSession.of(UUID.randomUUID().toString(), target.orgId(), session, target.agentId())
                : StartSession.of(UUID.randomUUID().toString(), target.orgId(), session, target.agentId(),
                        target.agentVersion()));
        Uni<Void> talked = spec.simulatedUser() == null
                ? Multi.createFrom().iterable(spec.turns())
                        .onItem().transformToUniAndConcatenate(turn -> timedOut(turns) ? Uni.createFrom().voidItem()
                                : turn(target, session, turn.user(), expectations(turn), turns))
                        .collect().last().replaceWithVoid()
                : simulated(target, session, spec, turns, spec.simulatedUser().maxTurns());
        return opened.flatMap(x -> talked)
                .flatMap(x -> caseChecks(target, spec, turns))
                .map(caseChecks -> result(spec, index, repetition, sessionId, turns, caseChecks, null))
                .onFailure().recoverWithItem(e -> result(spec, index, repetition, sessionId, turns, List.of(),
                        "could not run the case: " + e.getMessage()));
    }

    /** The simulated user's next message and the agent's answer, until it is done or has said {@code left} more. */
    private Uni<Void> simulated(Target target, String session, CaseSpec spec, List<TurnOutcome> turns, int left) {
        if (left == 0 || timedOut(turns)) {
            return Uni.createFrom().voidItem();
        }
        return users.next(spec.simulatedUser(), target.orgId(), exchanges(turns)).flatMap(message -> message == null
                ? Uni.createFrom().voidItem()
                : turn(target, session, message, List.of(COMPLETED), turns)
                        .flatMap(x -> simulated(target, session, spec, turns, left - 1)));
    }

    private Uni<Void> turn(Target target, String session, String user, List<Expectation> expect,
                           List<TurnOutcome> turns) {
        String turnId = UUID.randomUUID().toString();
        long start = System.nanoTime();
        List<Judge.Exchange> before = exchanges(turns);
        // listen before sending, so a fast turn cannot end unheard; cancelling the future stops listening
        CompletableFuture<TurnWaiters.TurnEnd> ended = waiters.turnEnd(session, turnId).subscribeAsCompletionStage();
        return commands.send(UserMessage.of(UUID.randomUUID().toString(), target.orgId(), session, turnId, user))
                .flatMap(x -> Uni.createFrom().completionStage(ended)
                        .ifNoItem().after(config.turnTimeout()).failWith(TimeoutException::new))
                .onFailure(TimeoutException.class).recoverWithItem(() -> null)
                .onTermination().invoke(() -> ended.cancel(false))
                .flatMap(end -> {
                    Observed seen = end != null ? observed(end, millisSince(start)) : new Observed(null, "timed_out",
                            null, "no answer within " + config.turnTimeout(), List.of(), millisSince(start), 0, null);
                    return check(target, expect, seen, before, user).map(checked -> new TurnOutcome(user, seen,
                            checked.checks(), end == null ? null : end.agentVersion(), end == null ? null : end.model()));
                })
                .invoke(outcome -> turns.add(outcome))
                .replaceWithVoid();
    }

    private Uni<TurnOutcome> check(Target target, List<Expectation> expect, Observed seen,
                                   List<Judge.Exchange> before, String user) {
        List<Uni<Check>> checks = new ArrayList<>();
        for (Expectation e : expect) {
            // off the Kafka thread that ended the turn: a schema or a regular expression can take a while
            checks.add(e instanceof Expectation.Judge j ? judge.judge(j, target.orgId(), before, user, seen.answer())
                    : Uni.createFrom().item(() -> Checks.check(e, seen))
                            .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()));
        }
        if (checks.isEmpty()) {
            return Uni.createFrom().item(new TurnOutcome(user, seen, List.of(), null, null));
        }
        return Uni.join().all(checks).andFailFast().map(all -> new TurnOutcome(user, seen, all, null, null));
    }

    private Uni<List<Check>> caseChecks(Target target, CaseSpec spec, List<TurnOutcome> turns) {
        if (spec.expect().isEmpty() || turns.isEmpty()) {
            return Uni.createFrom().item(turns.isEmpty() && !spec.expect().isEmpty()
                    ? List.of(new Check("the case", 0, Check.FAIL, 0, "no turn was run")) : List.of());
        }
        List<Judge.Exchange> all = exchanges(turns);
        TurnOutcome last = turns.get(turns.size() - 1);
        return check(target, spec.expect(), Observed.whole(turns.stream().map(TurnOutcome::seen).toList()),
                all.subList(0, all.size() - 1), last.user()).map(TurnOutcome::checks);
    }

    private static List<Expectation> expectations(TurnSpec turn) {
        boolean saysStatus = turn.expect().stream().anyMatch(e -> e instanceof Expectation.Status);
        if (saysStatus) {
            return turn.expect();
        }
        List<Expectation> all = new ArrayList<>(turn.expect());
        all.add(0, COMPLETED);
        return all;
    }

    private static Observed observed(TurnWaiters.TurnEnd end, long latency) {
        List<Observed.ToolUse> tools = end.tools().stream().map(call -> new Observed.ToolUse(call.name(),
                args(call.arguments()), call.result(), call.error())).toList();
        if (end.end() instanceof TurnCompleted done) {
            return new Observed(done.text(), "completed", null, null, tools, latency,
                    (long) done.inputTokens() + done.outputTokens(), done.costUsd());
        }
        TurnFailed failed = (TurnFailed) end.end();
        return new Observed(null, "failed", failed.code(), failed.reason(), tools, latency, 0, failed.costUsd());
    }

    private CaseResult result(CaseSpec spec, int index, int repetition, UUID sessionId, List<TurnOutcome> turns,
                              List<Check> caseChecks, String broke) {
        ArrayNode turnsJson = JSON.createArrayNode();
        List<Check> everything = new ArrayList<>();
        String reason = broke;
        for (int t = 0; t < turns.size(); t++) {
            TurnOutcome turn = turns.get(t);
            Observed seen = turn.seen();
            ObjectNode json = turnsJson.addObject().put("user", turn.user()).put("answer", seen.answer())
                    .put("status", seen.status()).put("code", seen.code()).put("reason", seen.reason())
                    .put("latencyMs", seen.latencyMs()).put("tokens", seen.tokens());
            ArrayNode tools = json.putArray("tools");
            seen.tools().forEach(tool -> tools.addObject().put("name", tool.name()).set("args", tool.args()));
            for (int i = 0; i < seen.tools().size(); i++) {
                ((ObjectNode) tools.get(i)).put("result", seen.tools().get(i).result())
                        .put("error", seen.tools().get(i).error());
            }
            json.set("checks", checksJson(turn.checks()));
            everything.addAll(turn.checks());
            if (reason == null) {
                reason = firstProblem(turn.checks(), "turn " + (t + 1) + ": ");
            }
        }
        everything.addAll(caseChecks);
        if (reason == null) {
            reason = firstProblem(caseChecks, "");
        }
        String outcome = broke != null ? Check.ERROR : Check.worst(everything);
        Observed whole = turns.isEmpty() ? null : Observed.whole(turns.stream().map(TurnOutcome::seen).toList());
        TurnOutcome told = turns.stream().filter(t -> t.agentVersion() != null).findFirst().orElse(null);
        return new CaseResult(index, repetition, spec.name(), sessionId, told == null ? null : told.agentVersion(),
                told == null ? null : told.model(), outcome,
                whole == null ? null : whole.answer(), outcome.equals(Check.PASS) ? null : reason,
                whole == null ? 0 : (int) Math.min(Integer.MAX_VALUE, whole.latencyMs()),
                whole == null ? 0 : (int) Math.min(Integer.MAX_VALUE, whole.tokens()),
                whole == null ? null : whole.costUsd(), turnsJson, checksJson(caseChecks));
    }

    private static String firstProblem(List<Check> checks, String where) {
        for (String outcome : List.of(Check.FAIL, Check.ERROR)) {
            for (Check check : checks) {
                if (check.outcome().equals(outcome)) {
                    return where + check.expectation() + (check.reason() == null ? "" : " (" + check.reason() + ")");
                }
            }
        }
        return null;
    }

    private static ArrayNode checksJson(List<Check> checks) {
        ArrayNode array = JSON.createArrayNode();
        checks.forEach(c -> array.addObject().put("expectation", c.expectation()).put("line", c.line())
                .put("outcome", c.outcome()).put("score", c.score()).put("reason", c.reason()));
        return array;
    }

    private static List<Judge.Exchange> exchanges(List<TurnOutcome> turns) {
        return turns.stream().map(t -> new Judge.Exchange(t.user(), t.seen().answer())).toList();
    }

    private static boolean timedOut(List<TurnOutcome> turns) {
        return !turns.isEmpty() && "timed_out".equals(turns.get(turns.size() - 1).seen().status());
    }

    private static JsonNode args(String arguments) {
        try {
            return arguments == null || arguments.isBlank() ? JSON.createObjectNode() : JSON.readTree(arguments);
        } catch (Exception e) {
            return JSON.getNodeFactory().textNode(arguments);
        }
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}

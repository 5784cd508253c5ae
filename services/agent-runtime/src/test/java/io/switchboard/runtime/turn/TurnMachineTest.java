package io.switchboard.runtime.turn;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.runtime.repository.Turn;
import io.switchboard.runtime.turn.Directive.AskApproval;
import io.switchboard.runtime.turn.Directive.CallModel;
import io.switchboard.runtime.turn.Directive.Finish;
import io.switchboard.runtime.turn.Directive.Record;
import io.switchboard.runtime.turn.Directive.RunTool;
import io.switchboard.runtime.turn.Directive.ToolEnded;
import io.switchboard.runtime.turn.Directive.ToolStarted;
import io.switchboard.runtime.turn.TurnInput.ApprovalDecided;
import io.switchboard.runtime.turn.TurnInput.ApprovalPending;
import io.switchboard.runtime.turn.TurnInput.Begun;
import io.switchboard.runtime.turn.TurnInput.CancelRequested;
import io.switchboard.runtime.turn.TurnInput.Loaded;
import io.switchboard.runtime.turn.TurnInput.ModelReplied;
import io.switchboard.runtime.turn.TurnInput.PauseRefused;
import io.switchboard.runtime.turn.TurnInput.TimedOut;
import io.switchboard.runtime.turn.TurnInput.ToolFinished;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The rules of a turn, input by input: no Quarkus, no Kafka, no database. */
class TurnMachineTest {
    private static final UUID SESSION = UUID.fromString("00000000-0000-0000-0000-00000000000a");
    private static final UUID TURN = UUID.fromString("00000000-0000-0000-0000-00000000000b");
    /** The agent has clock and fetch; fetch needs approval; arguments "bad" do not fit any schema. */
    private static final TurnPolicy POLICY = new TurnPolicy(Set.of("clock", "fetch"), Set.of("fetch"),
            (tool, args) -> args.equals("bad") ? "invalid arguments for " + tool : null, 3, 1000, 60,
            Duration.ofSeconds(30), 3);
    private static final List<ChatMessage> JUST_ASKED = List.of(ChatMessage.user("What time is it?"));

    private TurnState state = TurnState.of(SESSION, TURN);

    private List<Directive> feed(TurnInput input) {
        TurnMachine.Step step = TurnMachine.step(state, input);
        state = step.state();
        return step.directives();
    }

    private List<Directive> started(List<ChatMessage> journal) {
        feed(new Begun(false, 1, false, null));
        return feed(new Loaded(POLICY, journal));
    }

    private static ModelReplied reply(String text, ToolCall... calls) {
        return new ModelReplied(new LlmOutcome(text, List.of(calls), 10, 5, null, "stop", null, null));
    }

    private static ToolCall call(String name, String args) {
        return new ToolCall("model_id", name, args);
    }

    private static ToolCall own(int round, int n, String name, String args) {
        return new ToolCall("call_r" + round + "_" + n, name, args);
    }

    @Test
    void aNewTurnLoadsAnnouncesStartsItsClockAndAsksTheModel() {
        assertThat(feed(new Begun(false, 1, false, null))).containsExactly(new Directive.Load());
        assertThat(feed(new Loaded(POLICY, JUST_ASKED))).containsExactly(
                new Directive.Announce(false, 1, "What time is it?"),
                new Directive.StartClock(Duration.ofSeconds(30)), new CallModel(0));
    }

    @Test
    void anAnswerWithoutCallsCompletesTheTurnWithItsTokens() {
        started(JUST_ASKED);
        assertThat(feed(reply("Noon."))).containsExactly(new Finish(Turn.COMPLETED, null, null,
                List.of(ChatMessage.assistant("Noon.", List.of())), "Noon.", 10, 5, null));
        assertThat(feed(reply("late"))).as("nothing happens after the end").isEmpty();
    }

    @Test
    void aMessageRefusedWhileTheSessionWasBusyEndsBusyWithoutLoading() {
        assertThat(feed(new Begun(false, 1, false, "busy with another turn"))).containsExactly(new Finish(
                Turn.FAILED, Turn.BUSY, "busy with another turn", List.of(), null, 0, 0, BigDecimal.ZERO));
    }

    @Test
    void aFailedModelCallFailsTheTurnKeepingWhatItSaid() {
        started(JUST_ASKED);
        assertThat(feed(new ModelReplied(new LlmOutcome("par", List.of(), 1, 1, null, null, "stream_interrupted",
                "cut"))))
                .containsExactly(new Finish(Turn.FAILED, "stream_interrupted", "the model call failed: cut",
                        List.of(ChatMessage.assistant("par", List.of())), null, 1, 1, null));
    }

    @Test
    void callsAreRecordedUnderTheRuntimesIdsThenRunRefusedOrRejected() {
        started(JUST_ASKED);
        // Ollama names every call the same: the runtime's own ids are unique in the turn
        List<Directive> directives = feed(reply("", call("clock", "{}"), call("shell", "{}"), call("clock", "bad")));
        ToolCall clock = own(0, 0, "clock", "{}");
        ToolCall shell = own(0, 1, "shell", "{}");
        ToolCall invalid = own(0, 2, "clock", "bad");
        assertThat(directives).containsExactly(
                new Record(ChatMessage.assistant("", List.of(clock, shell, invalid))),
                new ToolStarted(clock), new RunTool(clock, SESSION + "/" + TURN + "/call_r0_0"),
                new ToolStarted(shell),
                new Record(ChatMessage.toolResult("call_r0_1", "tool shell is not available to this agent")),
                new ToolEnded(shell, "tool shell is not available to this agent", true),
                new ToolStarted(invalid),
                new Record(ChatMessage.toolResult("call_r0_2", "invalid arguments for clock")),
                new ToolEnded(invalid, "invalid arguments for clock", true));
        // the model hears the results once the last running call is in; results are cut to the policy's size
        String cut = "x".repeat(60) + "\n[result cut: 10 more characters]";
        assertThat(feed(new ToolFinished("call_r0_0", "x".repeat(70), false, null))).containsExactly(
                new Record(ChatMessage.toolResult("call_r0_0", cut)), new ToolEnded(clock, cut, false),
                new CallModel(1));
        assertThat(feed(reply("", call("clock", "{}")))).startsWith(
                new Record(ChatMessage.assistant("", List.of(own(1, 0, "clock", "{}")))));
    }

    @Test
    void aTurnsCostIsItsModelCallsCostsAndUnknownOnceOneHasNoPrice() {
        started(JUST_ASKED);
        feed(new ModelReplied(new LlmOutcome("", List.of(call("clock", "{}")), 10, 5, new BigDecimal("0.001"),
                "tool_calls", null, null)));
        feed(new ToolFinished("call_r0_0", "12:00", false, null));
        assertThat(feed(new ModelReplied(new LlmOutcome("Noon.", List.of(), 20, 5, new BigDecimal("0.002"), "stop",
                null, null)))).last().extracting(d -> ((Finish) d).costUsd()).isEqualTo(new BigDecimal("0.003"));

        state = TurnState.of(SESSION, TURN);
        started(JUST_ASKED);
        feed(new ModelReplied(new LlmOutcome("", List.of(call("clock", "{}")), 10, 5, null, "tool_calls", null,
                null)));
        feed(new ToolFinished("call_r0_0", "12:00", false, null));
        assertThat(feed(new ModelReplied(new LlmOutcome("Noon.", List.of(), 20, 5, new BigDecimal("0.002"), "stop",
                null, null)))).last().extracting(d -> ((Finish) d).costUsd()).isNull();
    }

    @Test
    void aResultIsNeverCutBetweenTheTwoHalvesOfACharacter() {
        started(JUST_ASKED);
        feed(reply("", call("clock", "{}")));
        // the 60th char is the first half of an emoji: the cut comes before it, not inside it
        String cut = "x".repeat(59) + "\n[result cut: 11 more characters]";
        assertThat(feed(new ToolFinished("call_r0_0", "x".repeat(59) + "\uD83D\uDE00" + "y".repeat(9), false, null)))
                .startsWith(new Record(ChatMessage.toolResult("call_r0_0", cut)));
    }

    @Test
    void aBrokenToolFailsTheTurnOnceTheRoundsOtherCallsAreIn() {
        started(JUST_ASKED);
        feed(reply("", call("clock", "{}"), call("clock", "{}")));
        assertThat(feed(new ToolFinished("call_r0_0", "tool clock failed: boom", true, "tool clock failed: boom")))
                .doesNotHaveAnyElementsOfTypes(Finish.class, CallModel.class);
        assertThat(feed(new ToolFinished("call_r0_1", "12:00", false, null))).last().isEqualTo(new Finish(
                Turn.FAILED, "tool_failed", "tool clock failed: boom", List.of(), null, 10, 5, null));
    }

    @Test
    void limitsOfRoundsAndTokensStopAModelThatKeepsCallingTools() {
        TurnPolicy twoRounds = new TurnPolicy(POLICY.tools(), Set.of(), POLICY.arguments(), 1, 100, 100,
                Duration.ofSeconds(1), 3);
        feed(new Begun(false, 1, false, null));
        feed(new Loaded(twoRounds, JUST_ASKED));
        feed(reply("", call("clock", "{}")));
        feed(new ToolFinished("call_r0_0", "12:00", false, null));
        assertThat(feed(reply("again", call("clock", "{}")))).containsExactly(new Finish(Turn.FAILED,
                "tool_loop_limit", "the model kept calling tools after 1 rounds",
                List.of(ChatMessage.assistant("again", List.of())), null, 20, 10, null));

        state = TurnState.of(SESSION, TURN);
        feed(new Begun(false, 1, false, null));
        feed(new Loaded(twoRounds, JUST_ASKED));
        assertThat(feed(new ModelReplied(new LlmOutcome("", List.of(call("clock", "{}")), 90, 20, null, "tool_calls",
                null, null)))).containsExactly(new Finish(Turn.FAILED, "token_limit",
                "the turn used 110 tokens, more than the agent's limit of 100", List.of(), null, 90, 20, null));
    }

    @Test
    void aCallThatNeedsApprovalPausesTheTurnOnceTheOthersAreDone() {
        started(JUST_ASKED);
        ToolCall fetch = own(0, 0, "fetch", "{}");
        assertThat(feed(reply("", call("fetch", "{}"), call("clock", "{}")))).contains(new AskApproval(fetch))
                .doesNotContain(new ToolStarted(fetch));
        assertThat(feed(new ApprovalPending("call_r0_0", "ap1"))).as("announced; clock still runs")
                .containsExactly(new Directive.ApprovalAsked(fetch, "ap1"));
        assertThat(feed(new ToolFinished("call_r0_1", "12:00", false, null))).last().isEqualTo(new Directive.Pause());
        // decided between asking and pausing: the runner reads the decision and goes on
        assertThat(feed(new PauseRefused())).containsExactly(new AskApproval(fetch));
        assertThat(feed(new ApprovalPending("call_r0_0", "ap1"))).as("asked again: announced again")
                .startsWith(new Directive.ApprovalAsked(fetch, "ap1"));
        assertThat(feed(new PauseRefused())).containsExactly(new AskApproval(fetch));
        assertThat(feed(new ApprovalDecided("call_r0_0", true, null))).containsExactly(new ToolStarted(fetch),
                new RunTool(fetch, SESSION + "/" + TURN + "/call_r0_0"));
        assertThat(feed(new ToolFinished("call_r0_0", "page", false, null))).last().isEqualTo(new CallModel(1));
    }

    @Test
    void aPausedTurnIsDoneWithForThisRunner() {
        started(JUST_ASKED);
        ToolCall fetch = own(0, 0, "fetch", "{}");
        feed(reply("", call("fetch", "{}")));
        // announced before the pause lets the session go
        assertThat(feed(new ApprovalPending("call_r0_0", "ap1"))).containsExactly(
                new Directive.ApprovalAsked(fetch, "ap1"), new Directive.Pause());
        assertThat(feed(new ApprovalPending("call_r0_0", "ap1"))).as("no longer being asked: not announced again")
                .isEmpty();
        assertThat(feed(new TurnInput.Paused())).isEmpty();
        // a cancel reaches a waiting turn through its journal (its next runner ends it), not through this one
        assertThat(feed(new CancelRequested("cancelled on request"))).isEmpty();
    }

    @Test
    void aDeniedCallIsAnErrorForTheModelWithTheOperatorsReason() {
        started(JUST_ASKED);
        ToolCall fetch = own(0, 0, "fetch", "{}");
        feed(reply("", call("fetch", "{}")));
        assertThat(feed(new ApprovalDecided("call_r0_0", false, "not that site"))).containsExactly(
                new ToolStarted(fetch),
                new Record(ChatMessage.toolResult("call_r0_0", "an operator denied this call: not that site")),
                new ToolEnded(fetch, "an operator denied this call: not that site", true), new CallModel(1));
    }

    @Test
    void aResumedTurnReusesItsCommittedStepsAndRunsOnlyTheCallsWithoutAResult() {
        ToolCall done = own(0, 0, "clock", "{}");
        ToolCall open = own(0, 1, "clock", "{}");
        List<ChatMessage> journal = List.of(ChatMessage.user("hi"), ChatMessage.assistant("", List.of(done, open)),
                ChatMessage.toolResult("call_r0_0", "12:00"));
        feed(new Begun(true, 2, false, null));
        assertThat(feed(new Loaded(POLICY, journal))).as("the committed result is told again: its event may be lost")
                .containsExactly(new Directive.Announce(true, 2, "hi"), new ToolStarted(done),
                new ToolEnded(done, "12:00", false), new Directive.StartClock(Duration.ofSeconds(30)),
                new ToolStarted(open),
                new RunTool(open, SESSION + "/" + TURN + "/call_r0_1"));
        assertThat(feed(new ToolFinished("call_r0_1", "12:01", false, null))).last().isEqualTo(new CallModel(1));
    }

    @Test
    void aTurnWhoseRunnersKeepCrashingIsGivenUpAndItsCallsClosed() {
        ToolCall open = own(0, 0, "clock", "{}");
        feed(new Begun(true, 4, false, null));
        assertThat(feed(new Loaded(POLICY, List.of(ChatMessage.user("hi"), ChatMessage.assistant("",
                List.of(open)))))).containsExactly(new Finish(Turn.FAILED, "runner_crashed",
                "the turn's runner stopped 3 times while running it",
                List.of(ChatMessage.toolResult("call_r0_0", "no result: the turn ended (runner_crashed) while clock ran")),
                null, 0, 0, null)); // resumed: the calls before are not counted here
    }

    @Test
    void aCancelStopsTheTurnAndAnswersTheCallsThatWereRunning() {
        started(JUST_ASKED);
        feed(reply("", call("clock", "{}")));
        assertThat(feed(new CancelRequested("cancelled on request"))).containsExactly(new Finish(Turn.CANCELLED,
                "cancelled", "cancelled on request", List.of(ChatMessage.toolResult("call_r0_0",
                        "no result: the turn ended (cancelled) while clock ran")), null, 10, 5, null));
        assertThat(feed(new ToolFinished("call_r0_0", "12:00", false, null))).as("its late result is dropped").isEmpty();
    }

    @Test
    void aCancelWhileLoadingEndsTheTurnOnceItsCallsAreKnown() {
        ToolCall waiting = own(0, 0, "fetch", "{}");
        feed(new Begun(true, 1, false, null));
        assertThat(feed(new CancelRequested("cancelled on request"))).isEmpty();
        assertThat(feed(new Loaded(POLICY, List.of(ChatMessage.user("hi"), ChatMessage.assistant("",
                List.of(waiting)))))).containsExactly(new Finish(Turn.CANCELLED, "cancelled",
                "cancelled before it started", List.of(ChatMessage.toolResult("call_r0_0",
                        "no result: the turn ended (cancelled) while fetch ran")), null, 0, 0, null));
    }

    /** A cancel that reached the run as it registered, before the journal's word on the turn, is not forgotten. */
    @Test
    void aCancelBeforeTheTurnBeganEndsItOnceLoaded() {
        assertThat(feed(new CancelRequested("cancelled on request"))).isEmpty();
        assertThat(feed(new Begun(false, 1, false, null))).containsExactly(new Directive.Load());
        assertThat(feed(new Loaded(POLICY, List.of(ChatMessage.user("hi"))))).containsExactly(new Finish(
                Turn.CANCELLED, "cancelled", "cancelled before it started", List.of(), null, 0, 0, BigDecimal.ZERO));
    }

    @Test
    void aRunnerThatLostItsLeaseStopsWithoutAWordMore() {
        started(JUST_ASKED);
        feed(reply("", call("clock", "{}")));
        assertThat(feed(new TurnInput.Stopped())).isEmpty();
        assertThat(feed(new ToolFinished("call_r0_0", "12:00", false, null))).isEmpty();
        assertThat(feed(new CancelRequested("cancelled on request"))).isEmpty();
    }

    @Test
    void aTurnPastItsTimeFails() {
        started(JUST_ASKED);
        assertThat(feed(new TimedOut())).containsExactly(new Finish(Turn.FAILED, "turn_timeout",
                "the turn took longer than PT30S", List.of(), null, 0, 0, BigDecimal.ZERO));
    }
}

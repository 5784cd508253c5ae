package io.switchboard.runtime.repository;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.runtime.repository.SessionRepository.Claimed;
import io.switchboard.runtime.repository.SessionRepository.NewMessage;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The few statements a runner makes per turn: one takes the lease and begins the next turn, the journal writes carry
 * the model calls made before them, the end says whether another turn waits, an idle session is let go (with others)
 * unless it was claimed again, a claim with no turn to run lets the lease go, and the lease's renewal
 * brings news of a cancel asked for elsewhere. Each test holds its session first (as runner "test-runner"), so the
 * recovery sweep leaves it alone.
 */
@QuarkusTest
class ClaimNextTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration LEASE = Duration.ofMinutes(1);
    private static final String RUNNER = "test-runner";

    @Inject
    Pool pool;

    @Inject
    SessionRepository sessions;

    @Inject
    ContextRepository contexts;

    @Test
    void theRunnerKeepsTheSessionWhileATurnCanRunAndLetsGoWhenNoneIsLeft() {
        UUID sessionId = heldSession();
        UUID first = message(sessionId, "one");
        UUID second = message(sessionId, "two");

        Claimed claimed = sessions.claimNext(sessionId, RUNNER, LEASE, 1000).await().atMost(WAIT);
        assertThat(claimed.turnId()).as("the oldest turn first").isEqualTo(first);
        assertThat(claimed.begun().resumed()).isFalse();
        assertThat(claimed.begun().attempts()).isEqualTo(1);
        assertThat(status(first)).isEqualTo(Turn.RUNNING);
        assertThat(sessions.messages(sessionId).await().atMost(WAIT)).extracting(StoredMessage::content)
                .as("its user message joined the conversation").containsExactly("one");
        assertThat(claimed.joinedPosition()).as("where it joined").isZero();
        assertThat(claimed.userText()).isEqualTo("one");
        sessions.finish(sessionId, first, List.of(answer("1")), List.of(), completed(claimed), claimed.fence())
                .await().atMost(WAIT);
        assertThat(runnerOf(sessionId)).as("the lease is kept until the next claim (the end is published first)")
                .isEqualTo(RUNNER);

        Claimed next = sessions.claimNext(sessionId, RUNNER, LEASE, 1000).await().atMost(WAIT);
        assertThat(next.turnId()).isEqualTo(second);
        assertThat(next.joinedPosition()).as("after the first turn's user message and answer").isEqualTo(2);
        assertThat(next.userText()).isEqualTo("two");
        assertThat(next.fence()).as("the same runner keeps its token").isEqualTo(claimed.fence());
        assertThat(next.begun().seqBase()).as("seqs go on from the last turn's end")
                .isEqualTo(claimed.begun().seqBase() + 1);
        sessions.finish(sessionId, second, List.of(answer("2")), List.of(), completed(next), next.fence())
                .await().atMost(WAIT);
        assertThat(runnerOf(sessionId)).isEqualTo(RUNNER);
        assertThat(sessions.claimNext(sessionId, RUNNER, LEASE, 1000).await().atMost(WAIT)).isNull();
        assertThat(runnerOf(sessionId)).as("nothing left to run: the lease is let go").isNull();
        assertThat(sessions.claimNext(sessionId, RUNNER, LEASE, 1000).await().atMost(WAIT)).isNull();
        assertThat(runnerOf(sessionId)).as("nothing to run: not taken").isNull();
    }

    @Test
    void aMessageToAnIdleSessionIsJournaledAndItsTurnBegunInOneStatement() {
        UUID sessionId = heldSession();
        UUID first = UUID.randomUUID();
        SessionRepository.Recording recording = sessions.recordAndClaim(sessionId, first, "one", RUNNER, LEASE, 1000)
                .await().atMost(WAIT);
        assertThat(recording.recorded()).isEqualTo(SessionRepository.Recorded.NEW);
        Claimed claimed = recording.claimed();
        assertThat(claimed.turnId()).isEqualTo(first);
        assertThat(claimed.begun().resumed()).isFalse();
        assertThat(claimed.begun().attempts()).isEqualTo(1);
        assertThat(claimed.joinedPosition()).isZero();
        assertThat(claimed.userText()).isEqualTo("one");
        assertThat(claimed.snapshotPosition()).isEqualTo(-1);
        assertThat(status(first)).isEqualTo(Turn.RUNNING);
        assertThat(sessions.messages(sessionId).await().atMost(WAIT)).extracting(StoredMessage::content)
                .containsExactly("one");

        UUID second = UUID.randomUUID();
        recording = sessions.recordAndClaim(sessionId, second, "two", RUNNER, LEASE, 1000).await().atMost(WAIT);
        assertThat(recording.recorded()).isEqualTo(SessionRepository.Recorded.NEW);
        assertThat(recording.claimed()).as("a turn is unfinished: this one waits behind it").isNull();
        assertThat(status(second)).isEqualTo(Turn.PENDING);
        assertThat(sessions.messages(sessionId).await().atMost(WAIT)).hasSize(1);
        assertThat(sessions.recordAndClaim(sessionId, second, "two", RUNNER, LEASE, 1000).await().atMost(WAIT))
                .isEqualTo(new SessionRepository.Recording(SessionRepository.Recorded.DUPLICATE, null, false));
        sessions.finish(sessionId, first, List.of(answer("1")), List.of(), completed(claimed), claimed.fence())
                .await().atMost(WAIT);
        Claimed next = sessions.claimNext(sessionId, RUNNER, LEASE, 1000).await().atMost(WAIT);
        assertThat(next.turnId()).isEqualTo(second);
        assertThat(next.begun().seqBase()).as("seqs go on from the first turn's end")
                .isEqualTo(completed(claimed).seq());
        sessions.finish(sessionId, second, List.of(answer("2")), List.of(), completed(next), next.fence())
                .await().atMost(WAIT);

        UUID third = UUID.randomUUID();
        recording = sessions.recordAndClaim(sessionId, third, "three", "another-runner", LEASE, 1000)
                .await().atMost(WAIT);
        assertThat(recording.claimed()).as("this runner's live lease holds the session").isNull();
        assertThat(status(third)).isEqualTo(Turn.PENDING);
        assertThat(runnerOf(sessionId)).isEqualTo(RUNNER);

        assertThat(sessions.recordAndClaim(UUID.randomUUID(), UUID.randomUUID(), "hello?", RUNNER, LEASE, 1000)
                .await().atMost(WAIT).recorded()).isEqualTo(SessionRepository.Recorded.UNKNOWN_SESSION);
    }

    @Test
    void anIdleSessionIsLetGoOnlyAsItsRunnerLeftIt() {
        UUID sessionId = heldSession();
        UUID first = message(sessionId, "one");
        message(sessionId, "two");
        Claimed claimed = sessions.claimNext(sessionId, RUNNER, LEASE, 1000).await().atMost(WAIT);
        assertThat(sessions.finish(sessionId, first, List.of(answer("1")), List.of(), completed(claimed),
                claimed.fence()).await().atMost(WAIT)).as("another turn waits behind it").isTrue();
        Claimed second = sessions.claimNext(sessionId, RUNNER, LEASE, 1000).await().atMost(WAIT);
        assertThat(sessions.finish(sessionId, second.turnId(), List.of(answer("2")), List.of(), completed(second),
                second.fence()).await().atMost(WAIT)).as("none waits").isFalse();
        long idleAt = completed(second).seq();

        UUID third = message(sessionId, "three");
        Claimed claimedAgain = sessions.claimNext(sessionId, RUNNER, LEASE, 1000).await().atMost(WAIT);
        assertThat(sessions.letGo(RUNNER, Map.of(sessionId, idleAt)).await().atMost(WAIT)).isEmpty();
        assertThat(runnerOf(sessionId)).as("claimed again before the let-go: kept").isEqualTo(RUNNER);
        sessions.finish(sessionId, third, List.of(answer("3")), List.of(), completed(claimedAgain),
                claimedAgain.fence()).await().atMost(WAIT);
        idleAt = completed(claimedAgain).seq();

        UUID fourth = message(sessionId, "four"); // on another replica, which left it to this runner
        assertThat(sessions.letGo(RUNNER, Map.of(sessionId, idleAt)).await().atMost(WAIT))
                .as("a turn waits: given back to run").containsExactly(sessionId);
        assertThat(runnerOf(sessionId)).isEqualTo(RUNNER);
        Claimed last = sessions.claimNext(sessionId, RUNNER, LEASE, 1000).await().atMost(WAIT);
        assertThat(last.turnId()).isEqualTo(fourth);
        sessions.finish(sessionId, fourth, List.of(answer("4")), List.of(), completed(last), last.fence())
                .await().atMost(WAIT);
        assertThat(sessions.letGo("another-runner", Map.of(sessionId, completed(last).seq())).await().atMost(WAIT))
                .isEmpty();
        assertThat(runnerOf(sessionId)).as("only its own runner lets a session go").isEqualTo(RUNNER);
        assertThat(sessions.letGo(RUNNER, Map.of(sessionId, completed(last).seq())).await().atMost(WAIT)).isEmpty();
        assertThat(runnerOf(sessionId)).as("as its runner left it, nothing waits: let go").isNull();
    }

    @Test
    void aTurnWaitingForOperatorsHoldsUpTheSessionWithoutARunner() {
        UUID sessionId = heldSession();
        UUID waiting = message(sessionId, "needs an approval");
        pool.preparedQuery("update runtime.turns set status = $2 where id = $1").execute(Tuple.of(waiting,
                Turn.WAITING)).await().atMost(WAIT);
        UUID behind = message(sessionId, "after it");

        assertThat(sessions.claimNext(sessionId, RUNNER, LEASE, 1000).await().atMost(WAIT)).isNull();
        assertThat(runnerOf(sessionId)).as("this runner's lease is let go").isNull();
        assertThat(status(behind)).isEqualTo(Turn.PENDING);
    }

    @Test
    void aLiveLeaseOfAnotherRunnerIsNotTaken() {
        UUID sessionId = heldSession();
        UUID turn = message(sessionId, "mine");

        assertThat(sessions.claimNext(sessionId, "another-runner", LEASE, 1000).await().atMost(WAIT)).isNull();
        assertThat(runnerOf(sessionId)).isEqualTo(RUNNER);
        assertThat(status(turn)).isEqualTo(Turn.PENDING);
    }

    @Test
    void modelCallsAreRecordedWithTheJournalWriteAfterThem() {
        UUID sessionId = heldSession();
        UUID turn = message(sessionId, "what time is it?");
        Claimed claimed = sessions.claimNext(sessionId, RUNNER, LEASE, 1000).await().atMost(WAIT);
        Instant askedFirst = Instant.now().minusSeconds(2).truncatedTo(ChronoUnit.MILLIS);
        Instant askedSecond = askedFirst.plusSeconds(1);

        sessions.append(sessionId, turn, new NewMessage("assistant", "", "[]", null),
                List.of(call(turn, 0, 0, askedFirst)), claimed.fence()).await().atMost(WAIT);
        assertThat(contexts.calls(sessionId).await().atMost(WAIT)).extracting(ContextRepository.ModelCall::requestId)
                .containsExactly(turn + "/0");
        sessions.finish(sessionId, turn, List.of(answer("Noon.")), List.of(call(turn, 1, 1, askedSecond)),
                completed(claimed), claimed.fence()).await().atMost(WAIT);

        List<ContextRepository.ModelCall> calls = contexts.calls(sessionId).await().atMost(WAIT);
        assertThat(calls).extracting(ContextRepository.ModelCall::requestId).containsExactly(turn + "/0", turn + "/1");
        assertThat(calls).extracting(ContextRepository.ModelCall::createdAt).as("when each call was made")
                .containsExactly(askedFirst, askedSecond);
        assertThat(calls.get(1).lastPosition()).isEqualTo(1);
        assertThat(calls.get(1).promptTokens()).isEqualTo(42);
    }

    @Test
    void aRenewalHearsOfACancelAskedForElsewhere() {
        UUID sessionId = heldSession();
        UUID turn = message(sessionId, "a long one");
        sessions.claimNext(sessionId, RUNNER, LEASE, 1000).await().atMost(WAIT);
        assertThat(sessions.renew(RUNNER, LEASE, List.of(sessionId)).await().atMost(WAIT)).isEmpty();

        assertThat(sessions.requestCancel(sessionId, turn).await().atMost(WAIT)).isTrue();
        assertThat(sessions.renew(RUNNER, LEASE, List.of(sessionId)).await().atMost(WAIT)).containsExactly(turn);
        assertThat(sessions.renew("another-runner", LEASE, List.of(sessionId)).await().atMost(WAIT))
                .as("only the lease's runner hears of it").isEmpty();
    }

    @Test
    void aTurnReadsTheNewestSnapshotAndTheConversationAfterIt() {
        UUID sessionId = heldSession();
        UUID first = message(sessionId, "one");
        Claimed claimed = sessions.claimNext(sessionId, RUNNER, LEASE, 1000).await().atMost(WAIT);
        sessions.finish(sessionId, first, List.of(answer("1")), List.of(), completed(claimed), claimed.fence())
                .await().atMost(WAIT);
        assertThat(sessions.history(sessionId).await().atMost(WAIT).snapshot()).isNull();
        contexts.snapshot(sessionId, 0, "an old summary", claimed.fence()).await().atMost(WAIT);
        assertThat(contexts.snapshot(sessionId, 1, "the user said one, and was answered", claimed.fence())
                .await().atMost(WAIT)).isEqualTo("the user said one, and was answered");
        assertThat(contexts.snapshot(sessionId, 1, "a resumed turn's other summary", claimed.fence())
                .await().atMost(WAIT)).as("the first one stands, and is the one gone on from")
                .isEqualTo("the user said one, and was answered");
        sessions.claim(sessionId, RUNNER, LEASE).await().atMost(WAIT); // held again before there is a turn
        message(sessionId, "two");
        sessions.claimNext(sessionId, RUNNER, LEASE, 1000).await().atMost(WAIT);

        SessionRepository.History history = sessions.history(sessionId).await().atMost(WAIT);
        assertThat(history.snapshot()).isEqualTo(new ContextRepository.Snapshot(1,
                "the user said one, and was answered"));
        assertThat(history.messages()).extracting(StoredMessage::content).containsExactly("two");
    }

    @Test
    void aSessionsUnfinishedTurnsAreFoundThroughTheirIndexHoweverOldTheSession() {
        // in a cached (generic) plan too: with their statuses as parameters, the claim and the end scanned every turn
        // the session ever had, so each took longer than the last
        for (String statement : List.of(SessionRepository.CLAIM_NEXT, SessionRepository.RECORD_AND_CLAIM,
                SessionRepository.FINISH, SessionRepository.LET_GO)) {
            StringBuilder plan = new StringBuilder();
            pool.withTransaction(c -> c.query("set local enable_seqscan = off").execute()
                            .flatMap(x -> c.query("explain (generic_plan) " + statement).execute()))
                    .await().atMost(WAIT).forEach(row -> plan.append(row.getString(0)).append('\n'));
            assertThat(plan.toString()).as(statement).contains(" turns_unfinished on turns");
        }
    }

    @Test
    void theRecoverySweepFindsExpiredLeasesAndUnheldWorkButNotTurnsWaitingForOperators() {
        UUID expired = heldSession();
        UUID unheld = heldSession();
        UUID waiting = heldSession();
        UUID live = heldSession();
        // set up and asked in one transaction, rolled back: the service's own sweep never sees these sessions orphaned
        List<UUID> orphaned = new ArrayList<>();
        pool.withConnection(c -> c.query("begin").execute()
                .flatMap(x -> c.preparedQuery("update runtime.sessions set lease_until = now() - interval '1 second'"
                        + " where id = $1").execute(Tuple.of(expired)))
                .flatMap(x -> c.preparedQuery("update runtime.sessions set runner_id = null, lease_until = null"
                        + " where id = any($1)").execute(Tuple.of(new UUID[] {unheld, waiting})))
                .flatMap(x -> c.preparedQuery("insert into runtime.turns (id, session_id, user_text, status,"
                        + " created_at)"
                        + " values (gen_random_uuid(), $1, 'nobody took me', 'pending', now()),"
                        + " (gen_random_uuid(), $2, 'needs an approval', 'waiting', now() - interval '1 second'),"
                        + " (gen_random_uuid(), $2, 'after it', 'pending', now()),"
                        + " (gen_random_uuid(), $3, 'my runner is alive', 'pending', now())")
                        .execute(Tuple.of(unheld, waiting, live)))
                .flatMap(x -> c.preparedQuery(SessionRepository.ORPHANED).execute(Tuple.of(10_000)))
                .invoke(rows -> rows.forEach(row -> orphaned.add(row.getUUID(0))))
                .flatMap(x -> c.query("rollback").execute())).await().atMost(WAIT);
        assertThat(orphaned).contains(expired, unheld).doesNotContain(waiting, live);
    }

    @Test
    void theRecoverySweepLooksOnlyAtHeldSessionsAndUnfinishedTurns() {
        StringBuilder plan = new StringBuilder();
        pool.withTransaction(c -> c.query("set local enable_seqscan = off").execute()
                        .flatMap(x -> c.query("explain (generic_plan) " + SessionRepository.ORPHANED).execute()))
                .await().atMost(WAIT).forEach(row -> plan.append(row.getString(0)).append('\n'));
        // an index scan or a bitmap scan of the partial indexes, as the statistics of the moment make it cheaper
        assertThat(plan.toString()).contains("sessions_held").contains("turns_unfinished").doesNotContain("Seq Scan");
    }

    @Test
    void aLeaseRenewalAndALetGoOfManySessionsWaitForEachOtherWithoutDeadlock() {
        // many sessions held by one runner, their rows in the table in another order than their ids (sessions come in
        // at random): the one with the middle id first
        UUID anyHeld = heldSession();
        List<UUID> held = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            held.add(UUID.randomUUID());
        }
        UUID middle = held.stream().sorted().toList().get(held.size() / 2);
        held.remove(middle);
        held.add(0, middle);
        for (UUID id : held) {
            pool.preparedQuery("insert into runtime.sessions (id, org_id, agent_id, runner_id, lease_until)"
                            + " select $2, org_id, agent_id, $3, now() + interval '1 minute' from runtime.sessions"
                            + " where id = $1").execute(Tuple.of(anyHeld, id, RUNNER)).await().atMost(WAIT);
        }
        Map<UUID, Long> idle = new HashMap<>();
        held.forEach(id -> idle.put(id, 0L));
        SqlConnection other = pool.getConnection().await().atMost(WAIT);
        try {
            // another writer holds the middle session while the renewal, then the let-go, begin: the renewal must not
            // lock a session past it that the let-go holds (it deadlocked when it locked them in the table's order)
            Transaction blocking = other.begin().await().atMost(WAIT);
            other.preparedQuery("select 1 from runtime.sessions where id = $1 for update").execute(Tuple.of(middle))
                    .await().atMost(WAIT);
            var renewal = sessions.renew(RUNNER, LEASE, held).subscribeAsCompletionStage();
            awaitWaitingForLocks(1);
            var letGo = sessions.letGo(RUNNER, idle).subscribeAsCompletionStage();
            awaitWaitingForLocks(2);
            blocking.rollback().await().atMost(WAIT);

            assertThat(renewal).succeedsWithin(WAIT);
            assertThat(letGo).succeedsWithin(WAIT);
            assertThat(runnerOf(middle)).as("let go after its renewal").isNull();
        } finally { // out of the other tests' way (the organization's session list)
            other.close().await().atMost(WAIT);
            pool.preparedQuery("delete from runtime.sessions where id = any($1)")
                    .execute(Tuple.of((Object) held.toArray(new UUID[0]))).await().atMost(WAIT);
        }
    }

    private void awaitWaitingForLocks(int statements) {
        await().atMost(WAIT).until(() -> pool.query("select count(*) from pg_stat_activity"
                + " where wait_event_type = 'Lock' and query like '%runtime.sessions%'").execute()
                .await().atMost(WAIT).iterator().next().getLong(0) >= statements);
    }

    private UUID heldSession() {
        String agent = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "claimed", "model", "sim"))
                .post("/api/agents").then().statusCode(201).extract().path("id");
        UUID sessionId = UUID.fromString(asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent))
                .post("/api/sessions").then().statusCode(201).extract().path("id"));
        assertThat(sessions.claim(sessionId, RUNNER, LEASE).await().atMost(WAIT)).isNotNull();
        return sessionId;
    }

    private UUID message(UUID sessionId, String text) {
        UUID turnId = UUID.randomUUID();
        sessions.recordUserMessage(sessionId, turnId, text, null).await().atMost(WAIT);
        return turnId;
    }

    private String status(UUID turnId) {
        return sessions.turn(turnId).await().atMost(WAIT).status();
    }

    private String runnerOf(UUID sessionId) {
        return pool.preparedQuery("select runner_id from runtime.sessions where id = $1").execute(Tuple.of(sessionId))
                .await().atMost(WAIT).iterator().next().getString("runner_id");
    }

    private static NewMessage answer(String text) {
        return new NewMessage("assistant", text, null, null);
    }

    private static ContextRepository.ModelCall call(UUID turn, int round, int lastPosition, Instant at) {
        return new ContextRepository.ModelCall(turn + "/" + round, turn, "sim", null, 0, lastPosition, 42, at);
    }

    private static SessionRepository.Ended completed(Claimed claimed) {
        return new SessionRepository.Ended(Turn.COMPLETED, null, null, claimed.begun().seqBase() + 1, 10, 5, null);
    }
}

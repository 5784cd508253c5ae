package io.switchboard.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.switchboard.contracts.agent.AgentEvent;
import io.switchboard.contracts.agent.TokenDelta;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Event streams are bounded: clients per session and per replica, and what waits for a slow one. */
class SessionStreamsTest {
    private final SessionStreams streams = new SessionStreams(new SessionStreams.Limits(2, 3, 2048));

    @Test
    void aSessionTakesSoManyClientsAndAReplicaSoManyInAll() {
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        AssertSubscriber<AgentEvent> first = subscribe(a);
        AssertSubscriber<AgentEvent> second = subscribe(a);
        assertThat(streams.refusal(a)).contains("2 event streams");
        subscribe(a).assertFailedWith(Problem.class, "2 event streams");
        AssertSubscriber<AgentEvent> third = subscribe(b);
        assertThat(streams.refusal(b)).contains("serves 3 event streams");
        subscribe(b).assertFailedWith(Problem.class, "serves 3");
        assertThat(streams.clients()).isEqualTo(3);
        // a client that leaves makes room; the service's own waits never count
        first.cancel();
        assertThat(streams.refusal(a)).isNull();
        streams.follow(a, 0).subscribe().withSubscriber(AssertSubscriber.create(1));
        assertThat(streams.clients()).isEqualTo(2);
        second.cancel();
        third.cancel();
        assertThat(streams.clients()).isZero();
    }

    @Test
    void aClientThatReadsTooSlowlyIsCutOffAndCanComeBackWhereItWas() {
        String session = UUID.randomUUID().toString();
        AssertSubscriber<AgentEvent> slow = streams.stream(session, 0).subscribe()
                .withSubscriber(AssertSubscriber.create(1)); // reads one event, then nothing
        for (int seq = 1; seq <= 2050; seq++) {
            streams.publish(TokenDelta.of(session, "t", seq, seq, "x"));
        }
        slow.assertFailedWith(io.smallrye.mutiny.subscription.BackPressureFailure.class);
        assertThat(streams.clients()).isZero();
        // reconnecting after the last event it saw, it gets what it missed (up to the replay kept)
        AssertSubscriber<AgentEvent> back = streams.stream(session, 1).subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        assertThat(back.getItems()).hasSize(2048);
        assertThat(back.getItems().get(back.getItems().size() - 1).seq()).isEqualTo(2050);
    }

    @Test
    void aClientAheadOfThisReplicasCopyOfItsSessionGetsOnlyWhatIsNewToIt() {
        // a restarted replica knows the session's events only from now on; a client that reconnects to it has seen up
        // to seq 10 (a snapshot from the database), and the events of 9 and 10 reach the replica only after that
        String session = UUID.randomUUID().toString();
        streams.publish(TokenDelta.of(session, "t", 8, 0, "a"));
        AssertSubscriber<AgentEvent> client = streams.stream(session, 10).subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        AssertSubscriber<AgentEvent> earlier = streams.stream(session, 7).subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        for (int seq = 9; seq <= 12; seq++) {
            streams.publish(TokenDelta.of(session, "t", seq, seq, "x"));
        }
        assertThat(client.getItems()).extracting(AgentEvent::seq).containsExactly(11L, 12L);
        assertThat(earlier.getItems()).extracting(AgentEvent::seq).containsExactly(8L, 9L, 10L, 11L, 12L);
    }

    @Test
    void anEventSentHereReachesClientsAtOnceUnlessItWouldOvertakeOneStillOnItsWay() {
        String session = UUID.randomUUID().toString();
        streams.publish(TokenDelta.of(session, "t", 1, 0, "a")); // from the topic
        AssertSubscriber<AgentEvent> client = streams.stream(session, 0).subscribe()
                .withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
        streams.publishSent(TokenDelta.of(session, "t", 2, 1, "b")); // sent here: at once
        assertThat(client.getItems()).extracting(AgentEvent::seq).containsExactly(1L, 2L);
        // 3 was sent by another replica and is still on its way: 4, sent here, must not overtake it
        streams.publishSent(TokenDelta.of(session, "t", 4, 3, "d"));
        assertThat(client.getItems()).extracting(AgentEvent::seq).containsExactly(1L, 2L);
        // the topic's copies come in order: 2 again (dropped), 3, then 4
        streams.publish(TokenDelta.of(session, "t", 2, 1, "b"));
        streams.publish(TokenDelta.of(session, "t", 3, 2, "c"));
        streams.publish(TokenDelta.of(session, "t", 4, 3, "d"));
        assertThat(client.getItems()).extracting(AgentEvent::seq).containsExactly(1L, 2L, 3L, 4L);
        // a session this replica has not seen an event of waits for the topic too
        String unseen = UUID.randomUUID().toString();
        streams.publishSent(TokenDelta.of(unseen, "t", 1, 0, "a"));
        assertThat(streams.canReplayAfter(unseen, 0)).isFalse();
    }

    private AssertSubscriber<AgentEvent> subscribe(String session) {
        return streams.stream(session, 0).subscribe().withSubscriber(AssertSubscriber.create(Long.MAX_VALUE));
    }
}

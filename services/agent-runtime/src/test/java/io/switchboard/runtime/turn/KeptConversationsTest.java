package io.switchboard.runtime.turn;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.runtime.context.Conversation;
import io.switchboard.runtime.repository.SessionRepository;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A kept conversation is gone on from only when nothing can have changed it since its turn ended. */
class KeptConversationsTest {
    private final KeptConversations kept = new KeptConversations();
    private final UUID session = UUID.randomUUID();

    /** A claim under {@code fence} whose user message joined at {@code joined}, the newest snapshot at {@code snapshot}. */
    private static SessionRepository.Claimed claimed(long fence, int joined, int snapshot) {
        return new SessionRepository.Claimed(fence, UUID.randomUUID(), null, joined, "next", snapshot);
    }

    /** Positions 4 to 6 of the journal. */
    private static Conversation threeMessages() {
        Conversation conversation = new Conversation(4, 3, "before");
        conversation.add(ChatMessage.user("hi"));
        conversation.add(ChatMessage.assistant("hello", java.util.List.of()));
        conversation.add(ChatMessage.user("and?"));
        return conversation;
    }

    @Test
    void theNextTurnUnderTheSameLeaseRightAfterItGoesOnFromIt() {
        Conversation conversation = threeMessages();
        assertThat(conversation.lastPosition()).isEqualTo(6);
        assertThat(conversation.footprint()).as("what it holds, for the bound").isEqualTo(3 * 128 + 2 * 11);
        kept.keep(session, 7, conversation);
        assertThat(kept.take(session, claimed(7, 7, 3))).isSameAs(conversation);
        assertThat(kept.take(session, claimed(7, 7, 3))).as("taken: the turn owns it now").isNull();
    }

    @Test
    void theSessionLetGoAndTakenAgainByThisRunnerCountsOnce() {
        Conversation conversation = threeMessages();
        kept.keep(session, 7, conversation);
        assertThat(kept.take(session, claimed(8, 7, 3))).isSameAs(conversation);
    }

    @Test
    void anotherRunnersClaimInBetweenCountsToo() {
        kept.keep(session, 7, threeMessages());
        assertThat(kept.take(session, claimed(9, 7, 3))).as("taken by another, then by this runner again").isNull();
        kept.keep(session, 7, threeMessages());
        assertThat(kept.take(session, claimed(6, 7, 3))).isNull();
    }

    @Test
    void aGapMeansMessagesItDoesNotHave() {
        kept.keep(session, 7, threeMessages());
        assertThat(kept.take(session, claimed(7, 8, 3))).isNull();
        kept.keep(session, 7, threeMessages());
        assertThat(kept.take(session, new SessionRepository.Claimed(7, UUID.randomUUID(), null, null, null, 3)))
                .as("a turn taken up again, whose message joined before").isNull();
        assertThat(kept.take(session, claimed(7, 7, 3))).as("and it is no longer kept").isNull();
    }

    @Test
    void aSnapshotTakenSinceMeansItIsNotWhatTheJournalGives() {
        kept.keep(session, 7, threeMessages());
        assertThat(kept.take(session, claimed(7, 7, 5))).isNull();
    }

    @Test
    void whatWasLeftBehindIsNotKept() {
        Conversation conversation = threeMessages();
        conversation.add(ChatMessage.assistant("fine", java.util.List.of()));
        // the window moved past the first turn (positions 4 and 5), as a snapshot through position 5 says
        new io.switchboard.runtime.context.ContextTestAccess(conversation).leaveBehind(2, "summary");
        kept.keep(session, 7, conversation);
        Conversation rest = kept.take(session, claimed(7, 8, 5));
        assertThat(rest).isNotNull();
        assertThat(rest.lastPosition()).isEqualTo(7);
        assertThat(rest.snapshotPosition()).isEqualTo(5);
        rest.add(ChatMessage.user("next"));
        rest.markTurnStart();
        assertThat(rest.thisTurn()).extracting(ChatMessage::content).containsExactly("next");
        assertThat(rest.footprint()).isEqualTo(3 * 128 + 2 * (4 + 4 + 4));
    }
}

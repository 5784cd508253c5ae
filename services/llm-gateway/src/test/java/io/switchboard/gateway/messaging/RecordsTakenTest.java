package io.switchboard.gateway.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecordsTakenTest {
    private static final String TOPIC = "llm.requests";
    private static final long WRITTEN = 1_700_000_000_000L;

    private final RecordsTaken taken = new RecordsTaken();

    @Test
    void aRecordAtOrBelowTheHighestOffsetTakenOnItsPartitionIsReadAgain() {
        assertThat(taken.firstTime(TOPIC, 0, 10, WRITTEN)).isTrue();
        assertThat(taken.firstTime(TOPIC, 0, 11, WRITTEN + 5)).isTrue();
        assertThat(taken.firstTime(TOPIC, 0, 11, WRITTEN + 5)).as("the last one, read again").isFalse();
        assertThat(taken.firstTime(TOPIC, 0, 10, WRITTEN)).as("an earlier one, read again").isFalse();
        assertThat(taken.firstTime(TOPIC, 0, 12, WRITTEN + 6)).isTrue();
    }

    @Test
    void recordsWrittenOutOfTimeOrderAreReadAgainAsTheyWereWritten() {
        // through a broker hang, a requester's producer holds a record for up to its delivery timeout: the partition
        // takes records created at quite different times in any order
        assertThat(taken.firstTime(TOPIC, 0, 90, WRITTEN + 10_500)).isTrue();
        assertThat(taken.firstTime(TOPIC, 0, 91, WRITTEN + 30_000)).isTrue();
        assertThat(taken.firstTime(TOPIC, 0, 100, WRITTEN)).isTrue();

        assertThat(taken.firstTime(TOPIC, 0, 90, WRITTEN + 10_500)).isFalse();
        assertThat(taken.firstTime(TOPIC, 0, 91, WRITTEN + 30_000)).isFalse();
        assertThat(taken.firstTime(TOPIC, 0, 100, WRITTEN)).isFalse();
    }

    @Test
    void partitionsAndTopicsAreKeptApart() {
        assertThat(taken.firstTime(TOPIC, 0, 10, WRITTEN)).isTrue();
        assertThat(taken.firstTime(TOPIC, 1, 10, WRITTEN)).isTrue();
        assertThat(taken.firstTime("llm.requests.other", 0, 10, WRITTEN)).isTrue();
        assertThat(taken.firstTime(TOPIC, 1, 5, WRITTEN)).isFalse();
    }

    @Test
    void aRecordWrittenLaterAtAnOffsetTakenBeforeIsNewAsTheTopicWasMadeAgain() {
        assertThat(taken.firstTime(TOPIC, 0, 500, WRITTEN)).isTrue();
        assertThat(taken.firstTime(TOPIC, 0, 0, WRITTEN + 1)).as("offsets started over").isTrue();
        assertThat(taken.firstTime(TOPIC, 0, 1, WRITTEN - 3_000)).as("the next, from a requester whose clock is behind")
                .isTrue();
        assertThat(taken.firstTime(TOPIC, 0, 0, WRITTEN + 1)).as("and read again").isFalse();
        assertThat(taken.firstTime(TOPIC, 0, 1, WRITTEN - 3_000)).isFalse();
    }

    @Test
    void recordsWithoutATimestampAreJudgedByTheirOffsetAlone() {
        assertThat(taken.firstTime(TOPIC, 0, 10, -1)).isTrue();
        assertThat(taken.firstTime(TOPIC, 0, 10, -1)).isFalse();
        assertThat(taken.firstTime(TOPIC, 0, 9, -1)).isFalse();
        assertThat(taken.firstTime(TOPIC, 0, 11, -1)).isTrue();
    }
}

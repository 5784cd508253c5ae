package io.switchboard.gateway.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecordsTakenTest {
    private static final String TOPIC = "llm.requests";
    private static final long WRITTEN = 1_700_000_000_000L;
    private static final long SKEW = RecordsTaken.CLOCK_SKEW.toMillis();

    private final RecordsTaken taken = new RecordsTaken();

    @Test
    void aRecordAtOrBelowTheLastOneTakenOnItsPartitionIsReadAgain() {
        assertThat(taken.firstTime(TOPIC, 0, 10, WRITTEN)).isTrue();
        assertThat(taken.firstTime(TOPIC, 0, 11, WRITTEN + 5)).isTrue();
        assertThat(taken.firstTime(TOPIC, 0, 11, WRITTEN + 5)).as("the last one, read again").isFalse();
        assertThat(taken.firstTime(TOPIC, 0, 3, WRITTEN - 60_000)).as("an older one, read again").isFalse();
        assertThat(taken.firstTime(TOPIC, 0, 10, WRITTEN + SKEW)).as("written by a requester whose clock is ahead")
                .isFalse();
        assertThat(taken.firstTime(TOPIC, 0, 12, WRITTEN + 6)).isTrue();
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
        assertThat(taken.firstTime(TOPIC, 0, 0, WRITTEN + SKEW + 1)).as("offsets started over").isTrue();
        assertThat(taken.firstTime(TOPIC, 0, 1, WRITTEN + SKEW + 2)).isTrue();
        assertThat(taken.firstTime(TOPIC, 0, 0, WRITTEN + SKEW + 1)).as("and read again").isFalse();
    }

    @Test
    void aRecordWithoutATimestampIsJudgedByItsOffsetAlone() {
        assertThat(taken.firstTime(TOPIC, 0, 10, -1)).isTrue();
        assertThat(taken.firstTime(TOPIC, 0, 10, WRITTEN)).isFalse();
        assertThat(taken.firstTime(TOPIC, 0, 9, -1)).isFalse();
        assertThat(taken.firstTime(TOPIC, 0, 11, -1)).isTrue();
    }
}

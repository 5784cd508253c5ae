package io.switchboard.gateway.messaging;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The records of {@code llm.requests} this replica has taken, so one read again is not answered twice. A replica whose
 * member was dropped (the broker hung past its session) gets its partitions back and reads again from the last
 * committed offset: the calls it took since were answered, or still are, and answering them again calls the provider
 * and bills twice (and two replies from one replica read as one with chunks missing).
 *
 * <p>Per partition it keeps the last record taken. Records are read in offset order, and a re-read starts at an
 * offset this replica's commits had reached, so every offset at or below the last one taken was taken here. A record
 * at such an offset that was written later than that one (its timestamp, beyond {@link #CLOCK_SKEW} between
 * producers) is new: the topic was made again and its offsets started over.
 */
final class RecordsTaken {
    /** How far apart the clocks of two requesters may be (a record's timestamp is its producer's). */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(10);

    private record Last(long offset, long timestamp) {
    }

    private final Map<String, Last> lastTaken = new ConcurrentHashMap<>();

    /**
     * Whether this record is taken here for the first time (and so to be answered); {@code timestamp} in epoch
     * milliseconds, negative if the record has none.
     */
    boolean firstTime(String topic, int partition, long offset, long timestamp) {
        boolean[] first = {false};
        lastTaken.compute(topic + "-" + partition, (key, last) -> {
            boolean readAgain = last != null && offset <= last.offset()
                    && (timestamp < 0 || last.timestamp() < 0 || timestamp <= last.timestamp() + CLOCK_SKEW.toMillis());
            if (readAgain) {
                return last;
            }
            first[0] = true;
            return new Last(offset, timestamp);
        });
        return first[0];
    }
}

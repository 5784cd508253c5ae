package io.switchboard.gateway.messaging;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The records of {@code llm.requests} this replica has taken, so one read again is not answered twice by it. A
 * replica whose member was dropped (the broker hung past its session) gets its partitions back and reads again from
 * the group's last committed offset: the calls it took since were answered, or still are, and answering them again
 * calls the provider and bills twice (and two replies from one replica read as one with chunks missing).
 *
 * <p>Per partition it keeps the highest offset taken and the latest timestamp of any record taken. The group's
 * committed offset only moves forward, and never falls below where this replica began to read the partition (its
 * own commits, or those of the replica it took the partition from), so a record at or below the highest offset taken
 * was taken here, and was written no later than the latest one taken. A record at such an offset written later is
 * new: the topic was made again (or its log cut short), and its offsets started over. (Timestamps are the requesters'
 * clocks: a new record whose requester's clock is behind may be taken for one read again, and goes unanswered; its
 * requester asks again after its reply's silence, in a record written later.)
 */
final class RecordsTaken {
    private record Taken(long highestOffset, long latestTimestamp) {
    }

    private final Map<TopicPartition, Taken> taken = new ConcurrentHashMap<>();

    /**
     * Whether this record is taken here for the first time (and so to be answered); {@code timestamp} in epoch
     * milliseconds (Kafka's -1 for none).
     */
    boolean firstTime(String topic, int partition, long offset, long timestamp) {
        boolean[] first = {false};
        taken.compute(new TopicPartition(topic, partition), (key, before) -> {
            if (before != null && offset <= before.highestOffset() && timestamp <= before.latestTimestamp()) {
                return before; // read again
            }
            first[0] = true;
            // a topic made again starts its offsets over: from here on, they count from this one
            return new Taken(offset, before == null ? timestamp : Math.max(timestamp, before.latestTimestamp()));
        });
        return first[0];
    }
}

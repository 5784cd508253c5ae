package io.switchboard.runtime.messaging;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Where this replica's copy of {@code agent.events} starts, and readiness once it has it. The consumer (a group of its
 * own) starts a minute back ({@code switchboard.streams.lookback}), so that a client that reconnects here after its
 * replica died (a restart, a crash) gets the events it missed instead of a snapshot; the replica is ready once it has
 * read up to where the topic ended when it joined (an event sent before that and not read yet would be missing for
 * such a client, see {@code SessionResource#stream}). A rebalance (the consumer left the group and joined again) goes
 * on from where it was, so nothing falls between.
 */
@Readiness
@ApplicationScoped
@Identifier(EventsListening.NAME)
public class EventsListening implements KafkaConsumerRebalanceListener, HealthCheck {
    static final String NAME = "agent-events-in";
    private static final Logger LOG = Logger.getLogger(EventsListening.class);

    /** Longer than a replica takes to restart; shorter than {@code SessionStreams} keeps an idle session. */
    private final Duration lookback;

    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    /** Partitions not yet read up to the offset they ended at when assigned: that offset. */
    private final Map<TopicPartition, Long> behind = new ConcurrentHashMap<>();
    private volatile boolean assigned;

    EventsListening(@ConfigProperty(name = "switchboard.streams.lookback", defaultValue = "60s") Duration lookback) {
        this.lookback = lookback;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        List<TopicPartition> fresh = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            Long was = positions.remove(partition);
            if (was != null) {
                consumer.seek(partition, was);
            } else {
                fresh.add(partition);
            }
        }
        try {
            startBack(consumer, fresh);
        } catch (RuntimeException e) { // a slow broker: the next fetch starts from the latest offset
            LOG.warnf("could not start %s back from the end, it starts at the end: %s", lookback, e.getMessage());
        }
        assigned = !partitions.isEmpty();
    }

    private void startBack(Consumer<?, ?> consumer, List<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        Map<TopicPartition, Long> since = new HashMap<>();
        partitions.forEach(p -> since.put(p, System.currentTimeMillis() - lookback.toMillis()));
        Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(since);
        for (TopicPartition partition : partitions) {
            OffsetAndTimestamp start = starts.get(partition);
            long end = ends.get(partition);
            consumer.seek(partition, start == null ? end : start.offset()); // none since then: from the end
            if (start != null && start.offset() < end) {
                behind.put(partition, end);
            }
        }
    }

    /** The hub read this record: once every partition is read up to where it ended, the replica is ready. */
    void read(String topic, int partition, long offset) {
        if (!behind.isEmpty()) {
            behind.computeIfPresent(new TopicPartition(topic, partition), (p, end) -> offset + 1 >= end ? null : end);
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        keepPositions(consumer, partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        keepPositions(consumer, partitions);
    }

    private void keepPositions(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        assigned = false;
        for (TopicPartition partition : partitions) {
            try {
                positions.put(partition, consumer.position(partition));
            } catch (RuntimeException e) { // no position (yet, or any more): the next assignment starts back again
                LOG.warnf("could not keep the position of %s: %s", partition, e.getMessage());
                behind.remove(partition);
            }
        }
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("agent events").status(assigned && behind.isEmpty()).build();
    }
}

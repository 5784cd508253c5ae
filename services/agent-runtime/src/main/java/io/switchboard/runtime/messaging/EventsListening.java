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
    /** How long a question to the broker may hold up a rebalance (the client's default is a minute). */
    private static final Duration BROKER_WAIT = Duration.ofSeconds(5);

    /** Longer than a replica takes to restart; shorter than {@code SessionStreams} keeps an idle session. */
    private final Duration lookback;

    /**
     * Where each partition held before goes on from, if it comes back after a rebalance: the offset after the last
     * record the hub read (not the consumer's position: records fetched but not read are dropped with the partition;
     * one read twice is dropped by its seq), or where it started.
     */
    private final Map<Integer, Long> next = new ConcurrentHashMap<>();
    /** Partitions not yet read up to the offset they ended at when assigned: that offset. */
    private final Map<Integer, Long> behind = new ConcurrentHashMap<>();
    private volatile boolean assigned;

    EventsListening(@ConfigProperty(name = "switchboard.streams.lookback", defaultValue = "60s") Duration lookback) {
        this.lookback = lookback;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        List<TopicPartition> fresh = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            Long from = next.get(partition.partition());
            if (from != null) {
                consumer.seek(partition, from);
            } else {
                fresh.add(partition);
            }
        }
        try {
            startBack(consumer, fresh);
        } catch (RuntimeException e) {
            LOG.warnf("could not start %s back from the end, it starts at the end: %s", lookback, e.getMessage());
            startAtTheEnd(consumer, fresh);
        }
        assigned = !partitions.isEmpty();
    }

    private void startBack(Consumer<?, ?> consumer, List<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, BROKER_WAIT);
        Map<TopicPartition, Long> since = new HashMap<>();
        partitions.forEach(p -> since.put(p, System.currentTimeMillis() - lookback.toMillis()));
        Map<TopicPartition, OffsetAndTimestamp> starts = consumer.offsetsForTimes(since, BROKER_WAIT);
        for (TopicPartition partition : partitions) {
            OffsetAndTimestamp start = starts.get(partition);
            long end = ends.get(partition);
            long from = start == null ? end : start.offset(); // none since then: from the end
            consumer.seek(partition, from);
            next.put(partition.partition(), from);
            if (from < end) {
                behind.put(partition.partition(), end);
            }
        }
    }

    /** Without the lookback, every event sent from now on is still read: the position is taken now, not later. */
    private void startAtTheEnd(Consumer<?, ?> consumer, List<TopicPartition> partitions) {
        for (TopicPartition partition : partitions) {
            try {
                consumer.seekToEnd(List.of(partition));
                next.put(partition.partition(), consumer.position(partition, BROKER_WAIT));
            } catch (RuntimeException e) { // a slow broker: the next fetch takes the position (moments later)
                LOG.warnf("could not take the position of %s at once: %s", partition, e.getMessage());
            }
        }
    }

    /** The hub read this record: once every partition is read up to where it ended, the replica is ready. */
    void read(int partition, long offset) {
        next.put(partition, offset + 1);
        if (!behind.isEmpty()) {
            behind.computeIfPresent(partition, (p, end) -> offset + 1 >= end ? null : end);
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        assigned = false;
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        assigned = false;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("agent events").status(assigned && behind.isEmpty()).build();
    }
}

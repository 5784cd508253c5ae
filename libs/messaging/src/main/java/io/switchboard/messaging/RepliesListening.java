package io.switchboard.messaging;

import io.quarkus.arc.properties.IfBuildProperty;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

/**
 * Whether this replica's reader of model replies ({@code llm.replies}, a group of its own, from the end: agent-runtime's
 * and eval-runner's request-reply channel {@code llm-requests}) holds its partitions: a request sent before it does
 * would miss its first replies. The consumer's rebalance says so the moment it happens; asking the consumer instead
 * waits for its polling thread, which polls a second at a time when idle. The replica is ready once it holds them, so
 * a first model call does not wait.
 */
@Readiness
@ApplicationScoped
@Identifier(RepliesListening.NAME)
// a bean (and a readiness check) only of the services whose reply reader names it
@IfBuildProperty(name = "mp.messaging.outgoing.llm-requests.reply.consumer-rebalance-listener.name",
        stringValue = RepliesListening.NAME)
public class RepliesListening implements KafkaConsumerRebalanceListener, HealthCheck {
    public static final String NAME = "llm-replies";
    private static final Logger LOG = Logger.getLogger(RepliesListening.class);
    /** How long a question to the broker may hold up the rebalance (the client's default is a minute). */
    private static final Duration BROKER_WAIT = Duration.ofSeconds(5);
    /** How long a model call waits for the reader to hold its partitions. */
    private static final Duration HOLD_WAIT = Duration.ofSeconds(60);

    private final CompletableFuture<Void> held = new CompletableFuture<>();
    /**
     * Where each partition's reading goes on from if the group gives it back after losing it (a broker restart): the
     * reader's position when it lost it. Without it, the reader would start again from the end, and the replies sent
     * meanwhile (the first chunks of a call asked again) would be skipped.
     */
    private final Map<TopicPartition, Long> resumeAt = new ConcurrentHashMap<>();

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        for (TopicPartition partition : partitions) {
            Long at = resumeAt.remove(partition);
            if (at != null) {
                consumer.seek(partition, at);
                continue;
            }
            try { // "from the end" is taken now, before any request goes out: not at the first fetch
                consumer.position(partition, BROKER_WAIT);
            } catch (RuntimeException e) { // a slow broker: the next fetch takes the position (moments later)
                LOG.warnf("could not take the position of %s at once: %s", partition, e.getMessage());
            }
        }
        held.complete(null);
    }

    /** Also when the partitions are lost (the member dropped out of its group). */
    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        long deadline = System.nanoTime() + BROKER_WAIT.toNanos(); // for them all (this holds up a stop too)
        for (TopicPartition partition : partitions) {
            try {
                // known here, unless a new partition leader (a broker restart) has it checked with the broker first
                Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
                resumeAt.put(partition, consumer.position(partition, left));
            } catch (RuntimeException e) { // no position yet: it starts from the end again
                LOG.warnf("no position of %s to go on from: %s", partition, e.getMessage());
            }
        }
    }

    /**
     * Once the reader has held its partitions (they stay, but for a broker restart: it is its group's only member); a
     * failure if it has not within a minute. A request sent before would miss its first replies.
     */
    public Uni<Void> held() {
        // a copy: a caller that gives up (cancels) must not cancel the others' wait
        return held.isDone() ? Uni.createFrom().voidItem() : Uni.createFrom().completionStage(held::copy)
                .ifNoItem().after(HOLD_WAIT).fail();
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("llm replies").status(held.isDone()).build();
    }
}

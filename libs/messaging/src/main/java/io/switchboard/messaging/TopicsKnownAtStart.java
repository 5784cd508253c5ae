package io.switchboard.messaging;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaProducer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.TimeoutException;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * Has every Kafka producer of the service ask for its topic's partitions as the service starts (again every second
 * until the broker has the topic), instead of at its first send. A producer that does not know its topic waits for
 * it in {@code send}, on the channel's one sending thread, for up to {@code max.block.ms}: with the broker away, a
 * burst of records queued behind such a send waited half a second each, and a fresh platform's first 2,000 model
 * calls through a 25 s broker hang had about 1,000 replies go silent and asked again, where a platform that had sent
 * before had none (its producer took the records at once and gave each up after {@code delivery.timeout.ms}, and the
 * callers sent them again).
 */
@ApplicationScoped
public class TopicsKnownAtStart {
    /**
     * The topics a channel sends to besides its own, named per channel: a reply goes to the topic its request names
     * (the gateway's {@code llm-replies}: {@code llm.replies.evals} too).
     */
    static final String ALSO_SENDS_TO = "switchboard.kafka.also-sends-to.";
    private static final Duration ASK_AGAIN_AFTER = Duration.ofSeconds(1);
    private static final Logger LOG = Logger.getLogger(TopicsKnownAtStart.class);

    private final List<Cancellable> asking = new CopyOnWriteArrayList<>();

    /** After SmallRye's start-up (an observer's default priority comes after the library's), so its sinks exist. */
    void start(@Observes StartupEvent start, KafkaClientService kafka, Config config) {
        for (String channel : kafka.getProducerChannels()) {
            KafkaProducer<?, ?> producer = kafka.getProducer(channel);
            if (producer == null || producer.unwrap() == null) { // a lazy client makes its producer at its first send
                continue;
            }
            for (String topic : topicsOf(channel, config)) {
                asking.add(learn(producer.unwrap(), topic).subscribe().with(partitions -> { }, failure -> LOG.warnf(
                        "the producer of %s could not learn the partitions of %s (it will at its first send): %s",
                        channel, topic, failure.getMessage())));
            }
        }
    }

    /** The topics {@code channel} sends to: its own, and those named in {@link #ALSO_SENDS_TO}. */
    static List<String> topicsOf(String channel, Config config) {
        List<String> topics = new ArrayList<>();
        topics.add(config.getOptionalValue("mp.messaging.outgoing." + channel + ".topic", String.class)
                .orElse(channel));
        config.getOptionalValues(ALSO_SENDS_TO + channel, String.class).ifPresent(topics::addAll);
        return topics;
    }

    void stop(@Observes ShutdownEvent stop) {
        asking.forEach(Cancellable::cancel);
    }

    /**
     * The partitions of {@code topic}, once {@code producer} knows them: asked off the caller's thread, as the client
     * blocks for up to {@code max.block.ms}, and asked again every second while the broker does not answer or has no
     * such topic yet (a first start makes the topics beside the services). Any other failure (not allowed to describe
     * the topic, the producer closed) ends the asking.
     */
    static Uni<List<PartitionInfo>> learn(Producer<?, ?> producer, String topic) {
        return Uni.createFrom().item(() -> producer.partitionsFor(topic))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onFailure(TimeoutException.class).retry().withBackOff(ASK_AGAIN_AFTER, ASK_AGAIN_AFTER).indefinitely();
    }
}

package io.switchboard.messaging;

import io.quarkus.runtime.annotations.RegisterForProxy;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaConnectorIncomingConfiguration;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.commit.ContextHolder;
import io.smallrye.reactive.messaging.kafka.commit.KafkaCommitHandler;
import io.vertx.mutiny.core.Context;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * SmallRye's {@code throttled} commit strategy, with each partition's committed offset read when the partition is
 * assigned (in the rebalance, on the polling thread) instead of when its first record comes. That read runs on the
 * polling thread too, so it waits for the poll under way: a reader polling a second at a time when idle would hold a
 * partition's first record back by up to a second. Read ahead, the reader can poll that long, and wake less. Each
 * partition's position is made known then too, so that the first fetch after the rebalance asks for all of them.
 * {@code commit-strategy=throttled-read-ahead}.
 */
@ApplicationScoped
@Identifier(ThrottledCommitReadAhead.NAME)
@RegisterForProxy(targets = KafkaConsumer.class)
public class ThrottledCommitReadAhead implements KafkaCommitHandler.Factory {
    public static final String NAME = "throttled-read-ahead";
    private static final Logger LOG = Logger.getLogger(ThrottledCommitReadAhead.class);
    /** How long the read may hold up the rebalance (the client's default is a minute). */
    private static final Duration BROKER_WAIT = Duration.ofSeconds(5);

    private final KafkaCommitHandler.Factory throttled;

    ThrottledCommitReadAhead(@Identifier(KafkaCommitHandler.Strategy.THROTTLED) KafkaCommitHandler.Factory throttled) {
        this.throttled = throttled;
    }

    @Override
    public KafkaCommitHandler create(KafkaConnectorIncomingConfiguration config, Vertx vertx,
                                     KafkaConsumer<?, ?> consumer, BiConsumer<Throwable, Boolean> reportFailure) {
        ReadAhead readAhead = new ReadAhead(consumer);
        return new ReadingAhead(vertx, throttled.create(config, vertx, readAhead.answering(), reportFailure),
                readAhead);
    }

    /**
     * The throttled strategy, told of assignments after the read. A {@link ContextHolder}, as the strategy is: the
     * source hands it the Vert.x context the strategy works on.
     */
    private static final class ReadingAhead extends ContextHolder implements KafkaCommitHandler {
        private final KafkaCommitHandler handler;
        private final ReadAhead readAhead;

        ReadingAhead(Vertx vertx, KafkaCommitHandler handler, ReadAhead readAhead) {
            super(vertx, 0);
            this.handler = handler;
            this.readAhead = readAhead;
        }

        @Override
        public void capture(Context context) {
            super.capture(context);
            if (handler instanceof ContextHolder holder) {
                holder.capture(context);
            }
        }

        @Override
        public void capture(io.vertx.core.Context context) {
            super.capture(context);
            if (handler instanceof ContextHolder holder) {
                holder.capture(context);
            }
        }

        @Override
        public void partitionsAssigned(Collection<TopicPartition> partitions) {
            readAhead.read(partitions);
            handler.partitionsAssigned(partitions);
        }

        @Override
        public void partitionsRevoked(Collection<TopicPartition> partitions) {
            try {
                handler.partitionsRevoked(partitions);
            } finally {
                readAhead.forget(partitions);
            }
        }

        @Override
        public <K, V> Multi<IncomingKafkaRecord<K, V>> decorateStream(Multi<IncomingKafkaRecord<K, V>> consumed) {
            return handler.decorateStream(consumed);
        }

        @Override
        public <K, V> Uni<IncomingKafkaRecord<K, V>> received(IncomingKafkaRecord<K, V> record) {
            return handler.received(record);
        }

        @Override
        public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record) {
            return handler.handle(record);
        }

        @Override
        public void terminate(boolean graceful) {
            handler.terminate(graceful);
        }
    }

    /** The committed offsets read at assignment, each given once, to the strategy's first question about it. */
    static final class ReadAhead {
        private final KafkaConsumer<?, ?> consumer;
        /** Empty: nothing committed for the partition yet. */
        private final Map<TopicPartition, Optional<OffsetAndMetadata>> offsets = new ConcurrentHashMap<>();

        ReadAhead(KafkaConsumer<?, ?> consumer) {
            this.consumer = consumer;
        }

        /** On the polling thread, in the rebalance. A read that fails is left to the strategy (as without this). */
        void read(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            try {
                var kafka = consumer.unwrap();
                var committed = kafka.committed(new HashSet<>(partitions), BROKER_WAIT);
                partitions.forEach(partition -> offsets.put(partition, Optional.ofNullable(committed.get(partition))));
                // every position known before the first fetch goes out: a partition whose position is still being
                // looked up is left out of it, and waits for it to come back (fetch.max.wait.ms) before it is fetched
                partitions.forEach(partition -> kafka.position(partition, BROKER_WAIT));
            } catch (WakeupException e) {
                throw e; // the consumer is being closed
            } catch (RuntimeException e) {
                LOG.warnf("could not read the committed offsets or positions of %s ahead: %s", partitions,
                        e.getMessage());
            }
        }

        void forget(Collection<TopicPartition> partitions) {
            partitions.forEach(offsets::remove);
        }

        /** The consumer as the strategy sees it: a partition's committed offset, if read ahead, comes at once. */
        @SuppressWarnings("unchecked")
        KafkaConsumer<?, ?> answering() {
            return (KafkaConsumer<?, ?>) Proxy.newProxyInstance(KafkaConsumer.class.getClassLoader(),
                    new Class<?>[] {KafkaConsumer.class}, (proxy, method, args) -> {
                        if (method.getName().equals("committed") && args != null && args.length == 1
                                && args[0] instanceof TopicPartition[] asked && asked.length == 1) {
                            Optional<OffsetAndMetadata> known = offsets.remove(asked[0]);
                            if (known != null) {
                                Map<TopicPartition, OffsetAndMetadata> answer = new HashMap<>();
                                answer.put(asked[0], known.orElse(null));
                                return Uni.createFrom().item(answer);
                            }
                        }
                        try {
                            return method.invoke(consumer, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
    }
}

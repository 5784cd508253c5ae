package io.switchboard.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} a real Kafka broker: the one at {@code SWITCHBOARD_TEST_KAFKA} (host:port) if set,
 * else a KRaft broker in the test JVM.
 */
public class KafkaTestResource implements QuarkusTestResourceLifecycleManager {
    private EmbeddedKafka kafka;

    @Override
    public Map<String, String> start() {
        String external = System.getenv("SWITCHBOARD_TEST_KAFKA");
        String bootstrap;
        if (external != null && !external.isBlank()) {
            bootstrap = external;
            try {
                KafkaTopics.create(bootstrap);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        } else {
            kafka = EmbeddedKafka.start();
            bootstrap = kafka.bootstrapServers();
        }
        return Map.of("kafka.bootstrap.servers", bootstrap);
    }

    @Override
    public void stop() {
        if (kafka != null) {
            try {
                kafka.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}

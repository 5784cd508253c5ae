package io.switchboard.testing;

import java.util.Map;

/** A Kafka broker the platform's services connect to in a test. */
public interface KafkaBroker extends AutoCloseable {
    String bootstrapServers();

    /** The {@code KAFKA_*} environment a service connects with besides the bootstrap servers (none by default). */
    default Map<String, String> clientEnvironment(String service) {
        return Map.of();
    }
}

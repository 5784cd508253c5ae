package io.switchboard.testing;

import io.switchboard.contracts.Topics;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the platform's topics up front: the request-reply consumer reads {@code llm.replies} from "latest", so the
 * topic must exist before the first request, and several partitions let sessions spread over runtime replicas.
 */
public final class KafkaTopics {
    public static final int PARTITIONS = 4;

    private KafkaTopics() {
    }

    public static void create(String bootstrapServers) throws InterruptedException {
        create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** Creates the topics with these admin client settings (a broker that wants credentials). */
    public static void create(Map<String, Object> adminSettings) throws InterruptedException {
        try (Admin admin = Admin.create(adminSettings)) {
            for (String topic : Topics.ALL) {
                try {
                    admin.createTopics(Arrays.asList(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create topic " + topic, e.getCause());
                    }
                }
            }
        }
    }
}

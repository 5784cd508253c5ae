package io.switchboard.testing;

import io.switchboard.contracts.Topics;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the platform's topics up front: the request-reply consumer reads {@code llm.replies} from "latest", so the
 * topic must exist before the first request, and several partitions let sessions spread over runtime replicas. The
 * dead-letter topics keep their records for {@code SWITCHBOARD_DLQ_RETENTION_DAYS} (30) days, set again on every run.
 */
public final class KafkaTopics {
    public static final int PARTITIONS = 4;
    /** How long dead letters are kept, unless {@code SWITCHBOARD_DLQ_RETENTION_DAYS} says otherwise. */
    public static final int DLQ_RETENTION_DAYS = 30;

    private KafkaTopics() {
    }

    public static void create(String bootstrapServers) throws InterruptedException {
        create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** Creates the topics with these admin client settings (a broker that wants credentials). */
    public static void create(Map<String, Object> adminSettings) throws InterruptedException {
        String days = System.getenv().getOrDefault("SWITCHBOARD_DLQ_RETENTION_DAYS",
                String.valueOf(DLQ_RETENTION_DAYS));
        String retention = String.valueOf(Duration.ofDays(Long.parseLong(days.strip())).toMillis());
        try (Admin admin = Admin.create(adminSettings)) {
            for (String topic : Topics.ALL) {
                boolean deadLetters = topic.endsWith(".dlq");
                NewTopic made = new NewTopic(topic, PARTITIONS, (short) 1);
                if (deadLetters) {
                    made.configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, retention));
                }
                try {
                    admin.createTopics(Arrays.asList(made)).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create topic " + topic, e.getCause());
                    }
                    if (deadLetters) { // made before, perhaps with another retention
                        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic),
                                List.of(new AlterConfigOp(new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, retention),
                                        AlterConfigOp.OpType.SET)))).all().get();
                    }
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not set the dead-letter topics' retention", e.getCause());
        }
    }
}

package io.switchboard.testing;

import java.time.Duration;
import java.util.Map;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** A single-node KRaft broker in this JVM (Kafka's own test kit), with the platform's topics created. */
public final class EmbeddedKafka implements KafkaBroker {
    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    public static EmbeddedKafka start() {
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("num.partitions", String.valueOf(KafkaTopics.PARTITIONS))
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            KafkaTopics.create(cluster.bootstrapServers());
            return new EmbeddedKafka(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the in-process Kafka broker", e);
        }
    }

    /**
     * Stops the broker, as an outage would for its clients (its port refuses connections); its logs stay. The KRaft
     * controller in this JVM stays up, so the broker comes back as the same node of the same cluster.
     */
    public void stop() {
        for (BrokerServer broker : cluster.brokers().values()) {
            broker.shutdown();
            broker.awaitShutdown();
        }
    }

    /** Starts a stopped broker again, on its port with its logs, topics and committed offsets. */
    public void startAgain() throws Exception {
        for (BrokerServer broker : cluster.brokers().values()) {
            broker.startup();
        }
        cluster.waitForReadyBrokers();
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers()))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (admin.describeTopics(admin.listTopics().names().get()).allTopicNames().get().values().stream()
                    .flatMap(topic -> topic.partitions().stream()).anyMatch(p -> p.leader() == null
                            || p.leader().isEmpty())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("partitions without a leader after the restart");
                }
                Thread.sleep(100);
            }
        }
    }

    @Override
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}

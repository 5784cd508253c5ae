package io.switchboard.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The floor under the runtime benchmark's tool turn: the same Kafka records, in the same order and with the same
 * readers, with nothing else done. A "runtime" thread answers a command with a request and a started event, the
 * request's replies with a second request and two tool events, the second request's replies with a token and a
 * completed event; a "gateway" thread answers each request with two replies (a token, then the end); three groups read
 * every event as admin-ui, eval-runner and the runtime's streams do. Plain Kafka clients (linger.ms=0, as the
 * services), tiny string payloads, no database, no JSON, no HTTP: what any implementation of this design pays in
 * broker and client CPU before it does any work of its own.
 */
final class KafkaFloor implements AutoCloseable {
    private static final List<String> TOPICS = List.of("floor.commands", "floor.requests", "floor.replies",
            "floor.events");

    private final String bootstrap;
    private final KafkaProducer<String, String> producer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    /** Session -> the end of its turn in flight. */
    private final Map<String, CompletableFuture<Void>> turns = new ConcurrentHashMap<>();

    KafkaFloor(String bootstrap) throws Exception {
        this.bootstrap = bootstrap;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(TOPICS.stream().map(t -> new NewTopic(t, 4, (short) 1)).toList()).all().get();
        }
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producer = new KafkaProducer<>(config);
        reader("runtime", List.of("floor.commands", "floor.replies"), this::runtime);
        reader("gateway", List.of("floor.requests"), (topic, record) -> {
            send("floor.replies", record.key(), record.value() + ":token");
            send("floor.replies", record.key(), record.value() + ":end");
        });
        for (String group : List.of("admin-ui", "eval-runner", "runtime-streams")) {
            reader(group, List.of("floor.events"), (topic, record) -> { });
        }
        reader("load", List.of("floor.events"), (topic, record) -> {
            if (record.value().equals("completed")) {
                CompletableFuture<Void> turn = turns.remove(record.key());
                if (turn != null) {
                    turn.complete(null);
                }
            }
        });
    }

    /** What the runtime does for a tool turn, record for record. */
    private void runtime(String topic, ConsumerRecord<String, String> record) {
        String session = record.key();
        switch (topic.equals("floor.commands") ? "command" : record.value()) {
            case "command" -> {
                send("floor.events", session, "started");
                send("floor.requests", session, "call-1");
            }
            case "call-1:end" -> {
                send("floor.events", session, "tool-called");
                send("floor.events", session, "tool-result");
                send("floor.requests", session, "call-2");
            }
            case "call-2:token" -> send("floor.events", session, "token");
            case "call-2:end" -> send("floor.events", session, "completed");
            default -> { } // call-1's tool-call chunk: the runtime waits for the end of the call
        }
    }

    /**
     * {@code sessions} conversations, each starting its next turn when its last one ended, for {@code seconds}.
     * Returns the turns completed.
     */
    int load(int sessions, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> clients = new ArrayList<>();
        int[] done = new int[sessions];
        for (int i = 0; i < sessions; i++) {
            int index = i;
            String session = UUID.randomUUID().toString();
            clients.add(start("floor-client-" + i, () -> {
                while (System.nanoTime() < end) {
                    CompletableFuture<Void> turn = new CompletableFuture<>();
                    turns.put(session, turn);
                    send("floor.commands", session, "command");
                    try {
                        turn.get(60, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        System.out.println("floor turn failed: " + e);
                        return;
                    }
                    done[index]++;
                }
            }));
        }
        int total = 0;
        for (int i = 0; i < sessions; i++) {
            clients.get(i).join();
            total += done[i];
        }
        return total;
    }

    private void send(String topic, String key, String value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    /** A thread that reads {@code topics} in consumer group {@code group} (its own offsets, from the end). */
    private void reader(String group, List<String> topics, BiConsumer<String, ConsumerRecord<String, String>> handle) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "floor-" + group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config);
        consumer.subscribe(topics);
        // wait for the partitions, or the first records go by before this reader starts at "latest"
        while (consumer.assignment().isEmpty()) {
            consumer.poll(Duration.ofMillis(100));
        }
        threads.add(start("floor-" + group, () -> {
            try (consumer) {
                while (running.get()) {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                        handle.accept(record.topic(), record);
                    }
                }
            }
        }));
    }

    private static Thread start(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.start();
        return thread;
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        for (Thread thread : threads) {
            thread.join(5_000);
        }
        producer.close();
    }
}

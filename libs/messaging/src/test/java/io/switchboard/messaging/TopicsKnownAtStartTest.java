package io.switchboard.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.LIST;

import io.smallrye.config.SmallRyeConfigBuilder;
import io.switchboard.testing.EmbeddedKafka;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

/** Against a real broker in this JVM, with producers set as the services' model-call producers are. */
class TopicsKnownAtStartTest {
    private static final String TOPIC = "llm.requests";

    @Test
    void aChannelLearnsItsOwnTopicAndThoseItAlsoSendsTo() {
        Config config = new SmallRyeConfigBuilder().withDefaultValues(Map.of(
                "mp.messaging.outgoing.llm-replies.topic", "llm.replies",
                TopicsKnownAtStart.ALSO_SENDS_TO + "llm-replies", "llm.replies.evals,llm.replies.other")).build();

        assertThat(TopicsKnownAtStart.topicsOf("llm-replies", config))
                .containsExactly("llm.replies", "llm.replies.evals", "llm.replies.other");
        assertThat(TopicsKnownAtStart.topicsOf("agent-events", config)).as("a channel named as its topic")
                .containsExactly("agent-events");
    }

    @Test
    void aProducerThatKnowsItsTopicTakesRecordsWhileTheBrokerIsAway() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Producer<String, String> knowing = producer(kafka);
            Producer<String, String> unknowing = producer(kafka);
            try {
                assertThat(TopicsKnownAtStart.learn(knowing, TOPIC).await().atMost(Duration.ofSeconds(30)))
                        .isNotEmpty();
                kafka.stop();

                Future<RecordMetadata> taken = knowing.send(new ProducerRecord<>(TOPIC, "a call"));
                Future<RecordMetadata> refused = unknowing.send(new ProducerRecord<>(TOPIC, "a call"));

                // taken at once, to be given up after delivery.timeout.ms (its caller sends it again); the other send
                // held its thread for max.block.ms, waiting for the topic's partitions, and was refused
                assertThat(taken).isNotDone();
                assertThat(refused).isDone().failsWithin(Duration.ZERO)
                        .withThrowableOfType(ExecutionException.class).havingCause()
                        .isInstanceOf(TimeoutException.class).withMessageContaining("not present in metadata");
            } finally {
                knowing.close(Duration.ZERO);
                unknowing.close(Duration.ZERO);
            }
        }
    }

    @Test
    void aBrokerNotYetUpIsAskedAgainUntilItAnswers() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); Producer<String, String> real = producer(kafka)) {
            kafka.stop(); // as the services start beside the broker
            CountDownLatch askedTwice = new CountDownLatch(2);
            @SuppressWarnings("unchecked")
            Producer<String, String> counting = (Producer<String, String>) Proxy.newProxyInstance(
                    Producer.class.getClassLoader(), new Class<?>[] {Producer.class}, (proxy, method, args) -> {
                        if (method.getName().equals("partitionsFor")) {
                            askedTwice.countDown();
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause(); // as the producer throws it
                        }
                    });
            CompletableFuture<List<PartitionInfo>> learned =
                    TopicsKnownAtStart.learn(counting, TOPIC).subscribe().asCompletionStage();
            assertThat(askedTwice.await(30, TimeUnit.SECONDS)).as("asked, no answer, asked again").isTrue();
            assertThat(learned).isNotDone();

            kafka.startAgain();
            assertThat(learned).succeedsWithin(Duration.ofSeconds(30)).asInstanceOf(LIST).isNotEmpty();
        }
    }

    /** As agent-runtime's and eval-runner's {@code llm-requests} producers are set. */
    private static Producer<String, String> producer(EmbeddedKafka kafka) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 500,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 8_000,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                "metadata.recovery.strategy", "none",
                "metadata.max.idle.ms", 86_400_000),
                new StringSerializer(), new StringSerializer());
    }
}

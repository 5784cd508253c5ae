package io.switchboard.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.contracts.Topics;
import io.switchboard.testing.SecuredKafka;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The platform on a Kafka broker secured as docs/architecture.md tells a cluster to be: each service signs in with
 * SASL/SCRAM-SHA-512 as its own user, configured only through the {@code KAFKA_*} environment, and may touch only the
 * topics and groups of the ACL table there.
 */
class SecuredKafkaIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SecuredKafka kafka;
    private static Platform platform;
    /** The broker's configuration, data and log; kept when a test failed. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path kafkaHome;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AdminApi api = new AdminApi(http, WAIT);

    @BeforeAll
    static void startPlatform() throws Exception {
        kafka = SecuredKafka.start(kafkaHome);
        for (String service : List.of("agent-runtime", "llm-gateway", "eval-runner", "intruder")) {
            kafka.createUser(service);
        }
        kafka.allow(aclTable());
        platform = Platform.start(Duration.ZERO, kafka);
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (platform != null) {
            platform.close();
        } else if (kafka != null) {
            kafka.close();
        }
    }

    /** docs/architecture.md, "Securing Kafka in Kubernetes": what each service reads, in which groups, and writes. */
    private static List<AclBinding> aclTable() {
        List<AclBinding> acls = new ArrayList<>();
        grant(acls, "agent-runtime", AclOperation.READ, ResourceType.TOPIC, PatternType.LITERAL,
                Topics.AGENT_COMMANDS, Topics.AGENT_EVENTS, Topics.LLM_REPLIES, Topics.AGENT_CANCELS);
        grant(acls, "agent-runtime", AclOperation.READ, ResourceType.GROUP, PatternType.LITERAL, "agent-runtime");
        grant(acls, "agent-runtime", AclOperation.READ, ResourceType.GROUP, PatternType.PREFIXED,
                "agent-runtime-streams-", "agent-runtime-replies-", "agent-runtime-cancels-");
        grant(acls, "agent-runtime", AclOperation.WRITE, ResourceType.TOPIC, PatternType.LITERAL,
                Topics.AGENT_COMMANDS, Topics.AGENT_EVENTS, Topics.AGENT_CANCELS, Topics.LLM_REQUESTS,
                Topics.LLM_CANCELS, Topics.AGENT_COMMANDS_DLQ);
        grant(acls, "llm-gateway", AclOperation.READ, ResourceType.TOPIC, PatternType.LITERAL,
                Topics.LLM_REQUESTS, Topics.LLM_CANCELS);
        grant(acls, "llm-gateway", AclOperation.READ, ResourceType.GROUP, PatternType.LITERAL, "llm-gateway");
        grant(acls, "llm-gateway", AclOperation.READ, ResourceType.GROUP, PatternType.PREFIXED, "llm-gateway-cancels-");
        grant(acls, "llm-gateway", AclOperation.WRITE, ResourceType.TOPIC, PatternType.LITERAL,
                Topics.LLM_REPLIES, Topics.EVAL_LLM_REPLIES, Topics.LLM_REQUESTS_DLQ);
        grant(acls, "eval-runner", AclOperation.READ, ResourceType.TOPIC, PatternType.LITERAL, Topics.AGENT_EVENTS,
                Topics.EVAL_LLM_REPLIES);
        grant(acls, "eval-runner", AclOperation.READ, ResourceType.GROUP, PatternType.PREFIXED, "eval-runner-");
        grant(acls, "eval-runner", AclOperation.WRITE, ResourceType.TOPIC, PatternType.LITERAL, Topics.AGENT_COMMANDS,
                Topics.LLM_REQUESTS, Topics.LLM_CANCELS);
        return acls;
    }

    private static void grant(List<AclBinding> acls, String user, AclOperation operation, ResourceType type,
                              PatternType pattern, String... names) {
        for (String name : names) {
            acls.add(new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW)));
        }
    }

    @Test
    void aToolTurnAndAnEvalRunGoThroughTheSecuredBroker() throws Exception {
        // agent-runtime -> llm.requests -> llm-gateway -> llm.replies -> agent-runtime -> agent.events -> the stream
        String agent = api.post(platform.runtime(), "/api/agents",
                "{\"name\":\"clock\",\"model\":\"sim\",\"tools\":[\"clock\"]}").get("id").asText();
        String session = api.post(platform.runtime(), "/api/sessions", "{\"agentId\":\"" + agent + "\"}").get("id")
                .asText();
        api.post(platform.runtime(), "/api/sessions/" + session + "/messages", "{\"text\":\"What time is it?\"}");
        List<String[]> events = readTurn(platform.runtime() + "/api/sessions/" + session + "/stream?after=0");
        assertThat(events).extracting(e -> e[0]).contains("tool_call_finished").endsWith("turn_completed");
        assertThat(JSON.readTree(events.get(events.size() - 1)[1]).get("text").asText()).startsWith("The tool says");

        // eval-runner -> agent.commands -> agent-runtime -> agent.events -> eval-runner
        String suite = api.post(platform.urlOf("eval-runner"), "/api/suites", "{\"name\":\"secured\",\"agent\":\""
                + agent + "\",\"cases\":[{\"name\":\"hello\",\"turns\":[{\"user\":\"hello\",\"expect\":"
                + "[{\"contains\":\"hello\"}]}]}]}").get("id").asText();
        String run = api.post(platform.urlOf("eval-runner"), "/api/suites/" + suite + "/runs", "{}").get("id").asText();
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonNode detail = api.get(platform.urlOf("eval-runner"), "/api/runs/" + run);
        while (detail.get("run").get("status").asText().equals("running") && System.nanoTime() < deadline) {
            Thread.sleep(100);
            detail = api.get(platform.urlOf("eval-runner"), "/api/runs/" + run);
        }
        assertThat(detail.get("run").get("status").asText()).isEqualTo("completed");
        assertThat(detail.get("run").get("passed").asInt()).isEqualTo(1);
    }

    @Test
    void aClientWithAWrongPasswordOrWithoutAGrantIsRefused() {
        assertThatThrownBy(() -> send(kafka.settingsFor("agent-runtime", "not-its-password"), Topics.AGENT_COMMANDS))
                .hasRootCauseInstanceOf(SaslAuthenticationException.class);
        // signed in, but the gateway may not put commands before the runtime
        assertThatThrownBy(() -> send(kafka.settingsFor("llm-gateway"), Topics.AGENT_COMMANDS))
                .hasRootCauseInstanceOf(TopicAuthorizationException.class);
        // a user the table does not name reads nothing
        Map<String, Object> settings = new HashMap<>(kafka.settingsFor("intruder"));
        settings.put(ConsumerConfig.GROUP_ID_CONFIG, "agent-runtime-streams-intruder");
        settings.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        settings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(settings)) {
            consumer.subscribe(List.of(Topics.AGENT_EVENTS));
            assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(10)))
                    .isInstanceOfAny(GroupAuthorizationException.class, TopicAuthorizationException.class);
        }
    }

    private static void send(Map<String, Object> settings, String topic) throws Exception {
        Map<String, Object> producer = new HashMap<>(settings);
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producer.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        try (KafkaProducer<String, String> client = new KafkaProducer<>(producer)) {
            client.send(new ProducerRecord<>(topic, "k", "{}")).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("send to " + topic + " failed", e.getCause());
        }
    }

    /** A turn's SSE events as {name, data}, until it ends (or {@link #WAIT} has passed). */
    private List<String[]> readTurn(String url) throws Exception {
        HttpResponse<InputStream> response = http.send(AdminApi.request(url).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        List<String[]> events = new ArrayList<>();
        CompletableFuture<Void> cutOff = CompletableFuture.runAsync(() -> {
            try {
                response.body().close();
            } catch (IOException ignored) {
                // the reader sees the end either way
            }
        }, CompletableFuture.delayedExecutor(WAIT.toSeconds(), TimeUnit.SECONDS));
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                StandardCharsets.UTF_8))) {
            String name = null;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:") && name != null) {
                    events.add(new String[] {name, line.substring(5).strip()});
                    if (name.equals("turn_completed") || name.equals("turn_failed")) {
                        return events;
                    }
                }
            }
        } catch (IOException cut) {
            // closed by the cut-off
        } finally {
            cutOff.cancel(false);
        }
        throw new AssertionError("the turn did not end within " + WAIT + ": " + events.size() + " events");
    }
}

package io.switchboard.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A rolling restart under load, as an orchestrator does one: every service in turn gets SIGTERM, exits by itself, and
 * is started again, while conversations go on. People's messages go to a ready runtime replica (as a load balancer
 * that follows readiness would send them), and each session's events are read through admin-ui as a browser reads
 * them, reconnecting with {@code Last-Event-ID} when a stream ends. No turn may be lost, fail or be interrupted (the
 * stopping replicas let them finish), and no event may reach a client twice. Prints its figures.
 */
class RollingRestartIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SESSIONS = 6;
    private static final List<String> ORDER = List.of("llm-gateway", "llm-gateway#2", "agent-runtime",
            "agent-runtime#2", "eval-runner", "admin-ui");
    private static final List<String> RUNTIMES = List.of("agent-runtime", "agent-runtime#2");
    private static Platform platform;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AdminApi api = new AdminApi(http, Duration.ofSeconds(30));

    @BeforeAll
    static void start() throws Exception {
        platform = Platform.start(Duration.ofMillis(20));
        platform.startReplica("agent-runtime", 2);
        platform.startReplica("llm-gateway", 2);
        // from a steady state: both replicas of each shared group hold partitions (a replica is ready before its
        // consumer joins; a partition moved before its first offset commit would be read again from its start)
        Map<String, Object> settings = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafkaBootstrap());
        try (Admin admin = Admin.create(settings)) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> admin
                    .describeConsumerGroups(List.of("agent-runtime", "llm-gateway")).all().get().values().stream()
                    .allMatch(group -> group.members().size() == 2 && group.members().stream()
                            .noneMatch(member -> member.assignment().topicPartitions().isEmpty())));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void aRollingRestartOfEveryServiceUnderLoadLosesNoTurnAndRepeatsNoEvent() throws Exception {
        String agentId = api.post(platform.runtime(), "/api/agents", "{\"name\":\"rolling\",\"model\":\"sim\"}")
                .get("id").asText();
        List<Conversation> conversations = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            conversations.add(new Conversation(api.post(platform.runtime(), "/api/sessions",
                    "{\"agentId\":\"" + agentId + "\"}").get("id").asText()));
        }
        AtomicBoolean load = new AtomicBoolean(true);
        ExecutorService threads = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task);
            thread.setDaemon(true); // a stream still open at the end holds nothing up
            return thread;
        });
        List<Future<?>> talking = new ArrayList<>();
        for (Conversation conversation : conversations) {
            threads.submit(conversation::listen);
            talking.add(threads.submit(() -> conversation.talk(load)));
        }
        Map<String, Duration[]> restarts = new LinkedHashMap<>();
        try {
            Thread.sleep(3000); // the conversations under way before the first stop
            for (String service : ORDER) {
                Duration stop = platform.stopCleanly(service);
                long started = System.nanoTime();
                platform.restart(service);
                restarts.put(service, new Duration[] {stop, Duration.ofNanos(System.nanoTime() - started)});
                Thread.sleep(2000); // load on the restarted service before the next one goes
            }
        } finally {
            load.set(false);
        }
        for (Future<?> conversation : talking) {
            conversation.get(); // each ends once its last turn has completed (or been given up on)
        }
        threads.shutdownNow();

        long accepted = 0;
        long completed = 0;
        long failed = 0;
        long interrupted = 0;
        for (Conversation conversation : conversations) {
            JsonNode session = api.get(platform.runtime(), "/api/sessions/" + conversation.sessionId);
            List<String> roles = new ArrayList<>();
            session.get("messages").forEach(m -> roles.add(m.get("role").asText()));
            for (int i = 0; i < roles.size(); i++) {
                assertThat(roles.get(i)).as("messages of %s: each turn once", conversation.sessionId)
                        .isEqualTo(i % 2 == 0 ? "user" : "assistant");
            }
            for (JsonNode turn : session.get("turns")) {
                String status = turn.get("status").asText();
                completed += status.equals("completed") ? 1 : 0;
                failed += status.equals("failed") ? 1 : 0;
                interrupted += turn.get("attempts").asInt() > 1 ? 1 : 0;
            }
            assertThat(session.get("turns")).as("turns of %s", conversation.sessionId)
                    .hasSize(conversation.accepted.size());
            accepted += conversation.accepted.size();
        }
        long lost = conversations.stream().mapToLong(c -> c.givenUp.get()).sum();
        long seen = conversations.stream().mapToLong(c -> c.completedSeen.size()).sum();
        long repeated = conversations.stream().mapToLong(c -> c.repeated.get()).sum();
        long reconnects = conversations.stream().mapToLong(c -> c.reconnects.get()).sum();
        long snapshots = conversations.stream().mapToLong(c -> c.snapshots.get()).sum();
        long redirected = conversations.stream().mapToLong(c -> c.redirected.get()).sum();
        long slowest = conversations.stream().mapToLong(c -> c.slowestMillis.get()).max().orElse(0);

        StringBuilder figures = new StringBuilder("\nRolling restart under load (" + SESSIONS + " conversations, two"
                + " replicas of agent-runtime and llm-gateway):\n");
        restarts.forEach((service, times) -> figures.append(String.format("  %-16s stopped in %5.1f s  ready again"
                + " in %5.1f s%n", service, times[0].toMillis() / 1000.0, times[1].toMillis() / 1000.0)));
        figures.append(String.format("  turns accepted %d, completed %d (%d seen completing on the streams), lost %d,"
                        + " failed %d, interrupted %d%n", accepted, completed, seen, lost, failed, interrupted))
                .append(String.format("  events repeated to a client %d; stream reconnects %d, snapshots %d;"
                        + " messages sent again to the other replica %d; slowest turn %d ms%n", repeated, reconnects,
                        snapshots, redirected, slowest));
        System.out.println(figures);

        assertThat(accepted).as("turns accepted").isGreaterThan(SESSIONS * 6L);
        assertThat(lost).as("turns lost").isZero();
        assertThat(completed).as("turns completed").isEqualTo(accepted);
        assertThat(failed).as("turns failed").isZero();
        assertThat(interrupted).as("turns a stopping replica interrupted").isZero();
        assertThat(repeated).as("events a client got twice").isZero();
        assertThat(reconnects).as("streams ended by a stopping admin-ui and reconnected").isPositive();
        restarts.forEach((service, times) -> assertThat(times[0]).as(service + " stop").isLessThan(
                Duration.ofSeconds(30)));
    }

    /** One person's conversation: messages one after another, each once the last has been answered. */
    private final class Conversation {
        final String sessionId;
        final List<String> accepted = new CopyOnWriteArrayList<>();
        final Set<String> completedSeen = ConcurrentHashMap.newKeySet();
        final AtomicLong lastSeq = new AtomicLong(0);
        final AtomicInteger repeated = new AtomicInteger();
        final AtomicInteger reconnects = new AtomicInteger();
        final AtomicInteger snapshots = new AtomicInteger();
        final AtomicInteger redirected = new AtomicInteger();
        final AtomicInteger givenUp = new AtomicInteger();
        final AtomicLong slowestMillis = new AtomicLong();
        private volatile int next;
        private volatile boolean finished;

        Conversation(String sessionId) {
            this.sessionId = sessionId;
        }

        void talk(AtomicBoolean load) {
            try {
                while (load.get()) {
                    String turnId = send("message " + next++ + " of " + sessionId.substring(0, 8));
                    accepted.add(turnId);
                    long started = System.nanoTime();
                    long deadline = started + Duration.ofSeconds(60).toNanos();
                    while (!completedSeen.contains(turnId)) {
                        if (System.nanoTime() > deadline) {
                            givenUp.incrementAndGet();
                            break;
                        }
                        Thread.sleep(50);
                    }
                    slowestMillis.accumulateAndGet((System.nanoTime() - started) / 1_000_000, Math::max);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                finished = true;
            }
        }

        /** Sends the message to a ready runtime replica; one that turns it away (going down) passes it to the other. */
        private String send(String text) throws Exception {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            for (int attempt = 0; System.nanoTime() < deadline; attempt++) {
                String replica = RUNTIMES.get((next + attempt) % RUNTIMES.size());
                if (platform.ready(replica)) {
                    try {
                        String messages = platform.urlOf(replica) + "/api/sessions/" + sessionId + "/messages";
                        HttpResponse<String> response = http.send(AdminApi.request(messages)
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString("{\"text\":\"" + text + "\"}"))
                                        .build(), HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() == 202) {
                            return JSON.readTree(response.body()).get("turnId").asText();
                        }
                        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
                    } catch (java.net.ConnectException refused) {
                        // closed between the readiness check and the request: never reached it
                    }
                }
                redirected.incrementAndGet();
                Thread.sleep(100);
            }
            throw new IllegalStateException("no runtime replica took a message for two minutes");
        }

        /**
         * Reads the session's events through admin-ui as the chat page's EventSource does: when the stream ends or
         * breaks, it connects again after the retry delay with {@code Last-Event-ID}.
         */
        void listen() {
            boolean first = true;
            while (!finished) {
                try {
                    HttpRequest.Builder request = AdminApi.request(platform.adminUi() + "/sessions/" + sessionId
                            + "/stream" + (first ? "?after=0" : ""));
                    if (!first) {
                        request.header("Last-Event-ID", Long.toString(lastSeq.get()));
                    }
                    HttpResponse<InputStream> response = http.send(request.build(),
                            HttpResponse.BodyHandlers.ofInputStream());
                    if (response.statusCode() == 200) {
                        first = false;
                        read(response.body());
                    } else {
                        response.body().close();
                    }
                } catch (IOException broken) {
                    // admin-ui is down, or the stream broke: as EventSource, try again
                } catch (InterruptedException stop) {
                    return;
                }
                reconnects.incrementAndGet();
                try {
                    Thread.sleep(250);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }

        private void read(InputStream body) throws IOException {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String id = null;
                String name = null;
                String data = null;
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (id != null) {
                            onEvent(Long.parseLong(id), name, data);
                        }
                        id = null;
                        name = null;
                        data = null;
                    } else if (line.startsWith("id:")) {
                        id = line.substring(3).strip();
                    } else if (line.startsWith("event:")) {
                        name = line.substring(6).strip();
                    } else if (line.startsWith("data:")) {
                        data = line.substring(5).strip();
                    }
                }
            }
        }

        private void onEvent(long seq, String name, String data) throws IOException {
            if ("snapshot".equals(name)) {
                snapshots.incrementAndGet();
                for (JsonNode turn : JSON.readTree(data).get("turns")) {
                    if (turn.path("status").asText().equals("completed")) {
                        completedSeen.add(turn.get("id").asText());
                    }
                }
            } else if (seq <= lastSeq.get()) {
                repeated.incrementAndGet();
                return;
            } else if ("turn_completed".equals(name)) {
                completedSeen.add(JSON.readTree(data).get("turnId").asText());
            }
            lastSeq.set(Math.max(lastSeq.get(), seq));
        }
    }
}

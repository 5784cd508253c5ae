package io.switchboard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.testing.FreePorts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code ./switchboard up --detach} as a user runs it (its own PostgreSQL and Kafka, the four services, the
 * supervisor), then {@code kill -9} of each service in turn: it is back and ready, the others never stopped, a turn
 * under way completes, and a message sent once it is back gets its first token. Prints the times beside the targets.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SupervisorIT {
    private static final List<String> SERVICES = List.of("llm-gateway", "agent-runtime", "admin-ui", "eval-runner");
    private static final List<String> PROCESSES = List.of("postgres", "kafka", "llm-gateway", "agent-runtime",
            "eval-runner", "admin-ui");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = Path.of(System.getProperty("switchboard.root", "..")).toAbsolutePath().normalize();
    private static final Path LOGS = Path.of(System.getProperty("switchboard.e2e.logs", "target/e2e-logs"));
    private static Path home;
    /** The administrator's token, as {@code up} made it in {@code .switchboard/admin-token}. */
    private static String token;
    private static final Map<String, String> ENV = new LinkedHashMap<>();
    private static final Map<String, Integer> PORT = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void up() throws Exception {
        home = Path.of("target/switchboard-home").toAbsolutePath();
        deleteTree(home);
        int base = freeRun(4);
        for (int i = 0; i < 4; i++) {
            PORT.put(List.of("admin-ui", "agent-runtime", "llm-gateway", "eval-runner").get(i), base + i);
        }
        ENV.put("SWITCHBOARD_HOME", home.toString());
        ENV.put("SWITCHBOARD_HTTP_PORT", String.valueOf(base));
        ENV.put("DB_PORT", String.valueOf(freeRun(1)));
        ENV.put("KAFKA_BOOTSTRAP_SERVERS", "localhost:" + freeRun(2));
        ENV.put("SIM_TOKEN_INTERVAL", "20ms");
        // small, so that the test also sees the supervisor give up on a service that keeps stopping
        ENV.put("SWITCHBOARD_MAX_RESTARTS", "2");
        ENV.put("SWITCHBOARD_RESTART_WINDOW", "600");
        // a fresh build: up trains the start-up caches first (about a minute here), then starts the platform
        int exit = script(Duration.ofMinutes(9), "up", "--detach");
        assertThat(exit).as("./switchboard up --detach; see " + LOGS.resolve("switchboard-up.log")).isZero();
        token = Files.readString(home.resolve("admin-token")).strip();
    }

    @Test
    void upMakesTheFirstAdministratorAndEveryApiWantsAToken() throws Exception {
        for (String file : List.of("admin-token", "admin-password", "master-key")) {
            assertThat(Files.getPosixFilePermissions(home.resolve(file)))
                    .as(file + " is readable by its owner only").containsExactlyInAnyOrder(
                            java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        }
        assertThat(Files.readString(LOGS.resolve("switchboard-up.log"))).as("the sign-in is printed once")
                .contains("sign in as admin, password " + Files.readString(home.resolve("admin-password")).strip());
        for (String[] api : new String[][] {{"agent-runtime", "/api/agents"}, {"llm-gateway", "/api/keys"},
                {"eval-runner", "/api/suites"}}) {
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(url(api[0]) + api[1]))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).as(api[0] + api[1] + " without a token").isEqualTo(401);
            assertThat(anonymous.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(get(api[0], api[1]).isArray()).as(api[0] + api[1] + " with the admin token").isTrue();
        }
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(url("admin-ui") + "/agents"))
                .header("Accept", "text/html").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(303);
        assertThat(page.headers().firstValue("Location").orElse("")).contains("/sign-in?then=%2Fagents");
    }

    @Test
    @Order(1) // before the kill test, which leaves a service down
    void theBrokerAndTheServicesStartFromTheCachesUpTrained() throws Exception {
        String up = Files.readString(LOGS.resolve("switchboard-up.log"));
        Matcher java = Pattern.compile("java: \\S+ version \"(\\d+)").matcher(up);
        assertThat(java.find()).as("up says which JDK runs the platform").isTrue();
        if (Integer.parseInt(java.group(1)) < 25) {
            return; // JDK 25's AOT cache: with an older JDK there is none to train
        }
        // trained by this up, or by one before it on this build
        assertThat(up).doesNotContain("without its caches", "without the start-up caches");
        for (String name : PROCESSES.subList(1, PROCESSES.size())) {
            String command = Files.readString(Path.of("/proc/" + pidOf(name).orElseThrow() + "/cmdline"));
            Matcher cache = Pattern.compile("-XX:AOTCache=([^\\x00]+)").matcher(command);
            assertThat(cache.find()).as(name + " starts from its cache: " + command.replace('\0', ' ')).isTrue();
            // a cache the JVM could not use is said in its log, and the JVM runs without it: one in use is mapped
            assertThat(Files.readString(home.resolve("logs/" + name + ".log"))).as(name + "'s log")
                    .doesNotContain("Unable to use AOT cache", "error has occurred while processing the AOT cache");
            assertThat(Files.readString(Path.of("/proc/" + pidOf(name).orElseThrow() + "/maps")))
                    .as(name + " maps its cache").contains(cache.group(1));
        }
    }

    @AfterAll
    static void down() throws Exception {
        if (home == null) {
            return;
        }
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String name : PROCESSES) {
            pidOf(name).ifPresent(pid -> pids.put(name, pid));
        }
        assertThat(script(Duration.ofMinutes(2), "down")).isZero();
        assertThat(pids).allSatisfy((name, pid) -> assertThat(running(pid)).as(name + " after down").isFalse());
    }

    /** The process exists and has not exited (an orphan that exited may linger as a zombie until reaped). */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException gone) {
            return false;
        }
    }

    @Test
    void aKilledServiceIsRestartedAndTheRestNeverStop() throws Exception {
        String agent = post("agent-runtime", "/api/agents", "{\"name\":\"steady\",\"model\":\"sim\",\"tools\":[\"clock\"]}")
                .get("id").asText();
        List<String> report = new ArrayList<>();
        report.add(String.format("%-14s %-20s %-16s %-34s %s", "killed", "back, ready (15 s)", "others stopped",
                "turn under way", "first token after (2 s)"));
        for (String service : SERVICES) {
            Map<String, Long> before = pids();
            // a turn under way: a long answer ([slow]: ten times the pace) that has begun to stream
            String session = post("agent-runtime", "/api/sessions", "{\"agentId\":\"" + agent + "\"}").get("id").asText();
            String turn = post("agent-runtime", "/api/sessions/" + session + "/messages",
                    "{\"text\":\"tell me a long story [slow]\"}").get("turnId").asText();
            awaitTurn(session, turn, status -> !status.equals("pending"), Duration.ofSeconds(30));
            Thread.sleep(500);

            long killed = System.nanoTime();
            ProcessHandle.of(before.get(service)).orElseThrow().destroyForcibly();
            double back = awaitBack(service, before.get(service));
            List<String> stopped = before.entrySet().stream().filter(e -> !e.getKey().equals(service))
                    .filter(e -> !running(e.getValue()) || !e.getValue().equals(pids().get(e.getKey())))
                    .map(Map.Entry::getKey).toList();
            String status = awaitTurn(session, turn, s -> !s.equals("pending") && !s.equals("running"),
                    Duration.ofSeconds(90));
            double done = seconds(System.nanoTime() - killed);
            double firstToken = service.equals("eval-runner") ? evalCaseAnswered(agent) : firstToken(service, agent);

            report.add(String.format("%-14s %-20s %-16s %-34s %s", service, String.format("%.1f s", back),
                    stopped.isEmpty() ? "none" : stopped, status + String.format(", %.1f s after the kill", done),
                    String.format("%.2f s", firstToken) + (service.equals("eval-runner") ? " (a one-case run)" : "")));
            assertThat(stopped).as("services that stopped or were replaced when %s was killed", service).isEmpty();
            assertThat(status).as("the turn under way when %s was killed", service).isEqualTo("completed");
            // the targets are figures to print (shared machines are noisy); these bounds catch a real regression,
            // such as a dead member's partitions waiting out its session (30 s and more)
            assertThat(back).as("seconds until %s was back", service).isLessThan(60);
            assertThat(firstToken).as("seconds to the first token after %s came back", service).isLessThan(10);
            assertThat(statusLine(service)).as("./switchboard status").contains("running").containsPattern(" 1 +");
        }
        System.out.println("kill -9 of each service under ./switchboard up --detach:\n" + String.join("\n", report));

        // a service that keeps stopping: restarted (after a backoff) up to the limit, then left down, the rest go on
        Map<String, Long> before = pids();
        ProcessHandle.of(before.get("eval-runner")).orElseThrow().destroyForcibly();
        awaitBack("eval-runner", before.get("eval-runner"));
        long again = pidOf("eval-runner").orElseThrow();
        ProcessHandle.of(again).orElseThrow().destroyForcibly();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!statusLine("eval-runner").contains("down") && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(statusLine("eval-runner")).contains("down").contains("left down");
        assertThat(Files.readString(home.resolve("logs/supervisor.log"))).contains("eval-runner stopped again");
        Thread.sleep(3000); // it stays down
        assertThat(pidOf("eval-runner")).isEmpty();
        for (String service : List.of("llm-gateway", "agent-runtime", "admin-ui")) {
            assertThat(ready(service)).as(service + " still serves").isTrue();
            assertThat(pidOf(service)).contains(before.get(service));
        }
    }

    // ---- steps

    /** Seconds from the kill until a new process of {@code service} answers its readiness check. */
    private double awaitBack(String service, long oldPid) throws Exception {
        long start = System.nanoTime();
        long deadline = start + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (pidOf(service).filter(pid -> pid != oldPid).isPresent() && ready(service)) {
                return seconds(System.nanoTime() - start);
            }
            Thread.sleep(100);
        }
        throw new AssertionError(service + " was not back within 90 s; see " + home.resolve("logs"));
    }

    /** Seconds from sending a message in a new session until its first token, on the killed service's stream. */
    private double firstToken(String service, String agent) throws Exception {
        String session = post("agent-runtime", "/api/sessions", "{\"agentId\":\"" + agent + "\"}").get("id").asText();
        // the browser's stream goes through admin-ui; programs read the runtime's
        String stream = service.equals("admin-ui") ? url("admin-ui") + "/sessions/" + session + "/stream"
                : url("agent-runtime") + "/api/sessions/" + session + "/stream";
        HttpResponse<InputStream> events = http.send(asAdmin(stream).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(events.statusCode()).isEqualTo(200);
        CompletableFuture<Void> cutOff = CompletableFuture.runAsync(() -> close(events.body()),
                CompletableFuture.delayedExecutor(60, TimeUnit.SECONDS));
        long sent = System.nanoTime();
        post("agent-runtime", "/api/sessions/" + session + "/messages", "{\"text\":\"hello again\"}");
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(events.body()))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.strip().equals("event:token") || line.strip().equals("event: token")) {
                    return seconds(System.nanoTime() - sent);
                }
            }
        } finally {
            cutOff.cancel(false);
        }
        throw new AssertionError("no token on " + stream);
    }

    /** Seconds for a one-case eval run (through eval-runner, as its users start one) to finish. */
    private double evalCaseAnswered(String agent) throws Exception {
        // a suite of its own each time: the same name again would replace the suite (200, not 201)
        String suite = post("eval-runner", "/api/suites", "{\"name\":\"after-restart " + UUID.randomUUID()
                + "\",\"agent\":\"" + agent + "\",\"cases\":[{\"name\":\"hello\",\"turns\":[{\"user\":\"hello\","
                + "\"expect\":[{\"contains\":\"hello\"}]}]}]}").get("id").asText();
        long start = System.nanoTime();
        String run = post("eval-runner", "/api/suites/" + suite + "/runs", "{}").get("id").asText();
        long deadline = start + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode detail = get("eval-runner", "/api/runs/" + run);
            if (!detail.path("run").path("status").asText(detail.path("status").asText()).equals("running")) {
                return seconds(System.nanoTime() - start);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("eval run " + run + " did not finish");
    }

    /** Polls the turn's status (through restarts of the runtime) until {@code done} accepts it. */
    private String awaitTurn(String session, String turn, java.util.function.Predicate<String> done, Duration within)
            throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        String status = "unknown";
        while (System.nanoTime() < deadline) {
            try {
                for (JsonNode t : get("agent-runtime", "/api/sessions/" + session).get("turns")) {
                    if (t.get("id").asText().equals(turn)) {
                        status = t.get("status").asText();
                    }
                }
                if (done.test(status)) {
                    return status;
                }
            } catch (IOException | AssertionError down) {
                // the runtime is restarting
            }
            Thread.sleep(100);
        }
        return status + " (still, after " + within.toSeconds() + " s)";
    }

    private boolean ready(String service) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url(service) + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String statusLine(String name) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", ROOT.resolve("switchboard").toString(), "status")
                .redirectErrorStream(true);
        builder.environment().putAll(ENV);
        Process status = builder.start();
        status.getOutputStream().close();
        String out = new String(status.getInputStream().readAllBytes());
        status.waitFor(30, TimeUnit.SECONDS);
        return out.lines().filter(line -> line.startsWith(name + " ")).findFirst().orElse("");
    }

    private static Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String name : PROCESSES) {
            pidOf(name).ifPresent(pid -> pids.put(name, pid));
        }
        return pids;
    }

    private static java.util.Optional<Long> pidOf(String name) {
        try {
            // "<pid> <start time>"
            String line = Files.readString(home.resolve("run/" + name + ".pid")).strip();
            return java.util.Optional.of(Long.parseLong(line.split("\\s+")[0]));
        } catch (IOException | NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }

    private JsonNode post(String service, String path, String body) throws Exception {
        HttpResponse<String> response = http.send(asAdmin(url(service) + path)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isIn(200, 201, 202);
        return JSON.readTree(response.body());
    }

    private JsonNode get(String service, String path) throws Exception {
        HttpResponse<String> response = http.send(asAdmin(url(service) + path)
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** The API and admin-ui's streams take the administrator's token. */
    private static HttpRequest.Builder asAdmin(String url) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token);
    }

    private static String url(String service) {
        return "http://localhost:" + PORT.get(service);
    }

    /** Runs {@code ./switchboard <args>} with this test's settings; its output goes to the e2e logs. */
    private static int script(Duration within, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("switchboard").toString()));
        command.addAll(List.of(args));
        Files.createDirectories(LOGS);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(LOGS.resolve("switchboard-" + args[0] + ".log").toFile()));
        builder.environment().putAll(ENV);
        Process process = builder.start();
        process.getOutputStream().close();
        if (!process.waitFor(within.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("./switchboard " + String.join(" ", args) + " took over " + within);
        }
        return process.exitValue();
    }

    /** The first of {@code n} consecutive free TCP ports. */
    private static int freeRun(int n) throws IOException {
        return FreePorts.run(n);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static void close(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing is all that matters
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

package io.switchboard.e2e;

import io.switchboard.testing.EmbeddedKafka;
import io.switchboard.testing.EmbeddedPostgresServer;
import io.switchboard.testing.FakeOidcProvider;
import io.switchboard.testing.FreePorts;
import io.switchboard.testing.KafkaBroker;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The whole platform as a user runs it: the four packaged services as separate processes, on one real Kafka broker
 * and one real PostgreSQL, on free ports.
 */
final class Platform implements AutoCloseable {
    static final String OIDC_CLIENT_ID = "switchboard";
    /** The platform administrator's API token (an owner of the default organization), as up makes one. */
    static final String ADMIN_TOKEN = "sb_e2e_admin_token";
    /** User admin's password, for signing in to admin-ui. */
    static final String ADMIN_PASSWORD = "e2e-admin-password";
    private static final List<String> SERVICES = List.of("llm-gateway", "agent-runtime", "eval-runner", "admin-ui");

    private static final HttpClient READINESS = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final KafkaBroker kafka;
    private final EmbeddedPostgresServer postgres;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private Duration simTokenInterval;
    private FakeApi api;
    private FakeCollector collector;
    /** Environment for the services started from now on, over the defaults ("" takes a variable away). */
    private final Map<String, String> overrides = new ConcurrentHashMap<>();
    /** Environment of one replica only, over the overrides (started with {@link #startReplica(String, int, Map)}). */
    private final Map<String, Map<String, String>> replicaEnvironment = new ConcurrentHashMap<>();
    /** The company's identity provider that people may sign in with (admin-ui's "Sign in with ..."). */
    private FakeOidcProvider identityProvider;
    private int apiPort;
    private int collectorPort;
    private int grpcCollectorPort;

    /** Where the services log: a directory per test class, so that one class's logs outlast the next class's run. */
    private final Path logs;

    private Platform(KafkaBroker kafka, EmbeddedPostgresServer postgres) {
        this.kafka = kafka;
        this.postgres = postgres;
        String testClass = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
                .walk(frames -> frames.map(StackWalker.StackFrame::getDeclaringClass)
                        .filter(c -> c != Platform.class).findFirst()).orElse(Platform.class).getSimpleName();
        this.logs = Path.of(System.getProperty("switchboard.e2e.logs", "target/e2e-logs"), testClass);
    }

    /** The platform as the end-to-end tests use it: its spans also go to an OTLP collector stand-in. */
    static Platform start(Duration simTokenInterval) throws Exception {
        return start(simTokenInterval, EmbeddedKafka.start(), Map.of(), true);
    }

    /** The platform on this broker (it is closed with the platform). */
    static Platform start(Duration simTokenInterval, KafkaBroker kafka) throws Exception {
        return start(simTokenInterval, kafka, Map.of());
    }

    /** The platform on this broker, its PostgreSQL started with these settings too. */
    static Platform start(Duration simTokenInterval, KafkaBroker kafka, Map<String, String> postgresSettings)
            throws Exception {
        return start(simTokenInterval, kafka, postgresSettings, false);
    }

    private static Platform start(Duration simTokenInterval, KafkaBroker kafka, Map<String, String> postgresSettings,
                                  boolean otlp) throws Exception {
        // a server that can be stopped and started again with its data: an outage, for the tests that need one
        Platform platform = new Platform(kafka, EmbeddedPostgresServer.startStoppable(
                Files.createTempDirectory("e2e-postgres").toFile(), freePort(), postgresSettings));
        try {
            platform.startServices(simTokenInterval, otlp);
            return platform;
        } catch (Exception | AssertionError e) {
            platform.close();
            throw e;
        }
    }

    String adminUi() {
        return url("admin-ui");
    }

    String runtime() {
        return url("agent-runtime");
    }

    FakeOidcProvider identityProvider() {
        return identityProvider;
    }

    /** The OTLP collector agent-runtime and llm-gateway export their spans to. */
    FakeCollector collector() {
        return collector;
    }

    /** The third-party API agents reach with {@code http_request}, at {@code http://localhost:<apiPort()>}. */
    FakeApi api() {
        return api;
    }

    int apiPort() {
        return apiPort;
    }

    String gateway() {
        return url("llm-gateway");
    }

    private String url(String service) {
        return "http://localhost:" + ports.get(service);
    }

    private void startServices(Duration simTokenInterval, boolean otlp) throws Exception {
        this.simTokenInterval = simTokenInterval;
        this.apiPort = freePort();
        this.api = new FakeApi(apiPort);
        if (otlp) {
            this.collectorPort = freePort();
            this.grpcCollectorPort = freePort();
            this.collector = new FakeCollector(collectorPort, grpcCollectorPort);
        }
        this.identityProvider = new FakeOidcProvider(OIDC_CLIENT_ID);
        for (String service : SERVICES) {
            ports.put(service, freePort());
            Files.deleteIfExists(logs.resolve(service + ".log"));
        }
        for (String service : SERVICES) {
            processes.put(service, launch(service));
        }
        awaitReady(SERVICES);
    }

    /** Kills the service as a crash would ({@code kill -9}): no shutdown hooks, nothing flushed. */
    void kill(String service) throws InterruptedException {
        Process process = processes.get(service);
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    /** PostgreSQL goes down for every service, as an outage would; its data stays. */
    void stopPostgres() throws IOException {
        postgres.stop();
    }

    /** Stops the Kafka broker (its clients' connections are refused); its data stays. */
    void stopKafka() {
        embeddedKafka().stop();
    }

    /** The Kafka broker comes back, on its port with its data. */
    void startKafka() throws Exception {
        embeddedKafka().startAgain();
    }

    private EmbeddedKafka embeddedKafka() {
        if (kafka instanceof EmbeddedKafka embedded) {
            return embedded;
        }
        throw new IllegalStateException("only the in-process broker can be stopped and started by a test");
    }

    /** PostgreSQL comes back, on its port with its data. */
    void startPostgres() throws IOException {
        postgres.startAgain();
    }

    /** Stops the service's process where it stands ({@code SIGSTOP}): a long GC pause, a frozen VM. */
    void freeze(String service) throws Exception {
        signal(service, "-STOP");
    }

    /** Lets a frozen service go on ({@code SIGCONT}). */
    void thaw(String service) throws Exception {
        signal(service, "-CONT");
    }

    private void signal(String service, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", signal, String.valueOf(processes.get(service).pid())).start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill " + signal + " " + service + " failed");
        }
    }

    /** Starts the service again on its port, as an operator would after a crash. */
    void restart(String service) throws Exception {
        processes.put(service, launch(service));
        awaitReady(List.of(service));
    }

    private Process launch(String service) throws IOException {
        Path root = Path.of(System.getProperty("switchboard.root", "..")).toAbsolutePath().normalize();
        Files.createDirectories(logs);
        String java = ProcessHandle.current().info().command().orElse("java");
        // "agent-runtime#2" is a second replica of agent-runtime
        String module = service.contains("#") ? service.substring(0, service.indexOf('#')) : service;
        // -Dswitchboard.e2e.native=true: the native executables `./mvnw install -Pnative` made (.github/workflows)
        boolean nativeImage = Boolean.getBoolean("switchboard.e2e.native");
        Path executable = root.resolve("services/" + module + "/target/" + (nativeImage
                ? module + "-0.1.0-SNAPSHOT-runner" : "quarkus-app/quarkus-run.jar"));
        if (!Files.exists(executable)) {
            throw new IllegalStateException(executable + " is missing: build the services first (./mvnw install"
                    + (nativeImage ? " -Pnative)" : ")"));
        }
        List<String> command = nativeImage ? List.of(executable.toString(), "-Xmx256m")
                : List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-jar", executable.toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(service).toFile()));
        Map<String, String> env = builder.environment();
        env.put("QUARKUS_HTTP_PORT", String.valueOf(ports.get(service)));
        env.put("DB_HOST", "localhost");
        env.put("DB_PORT", String.valueOf(postgres.port()));
        env.put("DB_NAME", EmbeddedPostgresServer.DATABASE);
        env.put("DB_USER", EmbeddedPostgresServer.USER);
        env.put("DB_PASSWORD", EmbeddedPostgresServer.PASSWORD);
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.putAll(kafka.clientEnvironment(service));
        env.put("RUNTIME_URL", url("agent-runtime"));
        env.put("EVALS_URL", url("eval-runner"));
        env.put("GATEWAY_URL", url("llm-gateway"));
        env.put("SWITCHBOARD_MASTER_KEYS", "e2e:" + Base64.getEncoder().encodeToString(
                "switchboard-e2e-master-key-32byt".getBytes(StandardCharsets.US_ASCII)));
        env.put("SIM_TOKEN_INTERVAL", simTokenInterval.toMillis() + "ms");
        env.put("SWITCHBOARD_ADMIN_TOKEN", ADMIN_TOKEN);
        env.put("SWITCHBOARD_ADMIN_PASSWORD", ADMIN_PASSWORD);
        // the fake third-party API is on localhost: trusted as an operator would trust an internal service
        // and so is the runtime's own MCP server, which stands in for an external one
        env.put("RUNTIME_TOOLS_HTTP_TRUSTED_HOSTS", "localhost:" + apiPort + ",localhost:" + ports.get("agent-runtime"));
        // people may sign in with the fake identity provider too
        env.put("SWITCHBOARD_OIDC_ENABLED", "true");
        env.put("SWITCHBOARD_OIDC_LABEL", "Example Corp");
        env.put("SWITCHBOARD_OIDC_ISSUER", identityProvider.issuer());
        env.put("SWITCHBOARD_OIDC_CLIENT_ID", OIDC_CLIENT_ID);
        env.put("SWITCHBOARD_OIDC_CLIENT_SECRET", "e2e-client-secret-long-enough-to-seal-cookies");
        // admin-ui slows a browser after 12 failed sign-ins (20 by default), so a test reaches the limit sooner
        env.put("SWITCHBOARD_SIGN_IN_FAILURES_PER_ADDRESS", "12");
        if (collector != null) { // spans go to the span store and to the collector stand-in: the gateway's over
            // OTLP/gRPC, the others' over OTLP/HTTP
            boolean grpc = module.equals("llm-gateway");
            env.put("SWITCHBOARD_OTLP_ENDPOINT", "http://localhost:" + (grpc ? grpcCollectorPort : collectorPort));
            env.put("QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL", grpc ? FakeCollector.GRPC : FakeCollector.HTTP);
            env.put("QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "500ms");
        }
        // a crashed runtime's sessions are taken over within seconds, not the default 15 s
        env.put("RUNTIME_RECOVERY_LEASE", "3s");
        env.put("RUNTIME_RECOVERY_HEARTBEAT", "1s");
        env.put("RUNTIME_RECOVERY_SWEEP_INTERVAL", "1s");
        // ... and a replica that dies in a job has it taken up within seconds too
        env.put("SWITCHBOARD_JOBS_HEARTBEAT", "1s");
        // schedules ticking every couple of seconds, to be seen within a test
        env.put("RUNTIME_SCHEDULES_MIN_INTERVAL", "1s");
        Map<String, String> own = new HashMap<>(overrides);
        own.putAll(replicaEnvironment.getOrDefault(service, Map.of()));
        own.forEach((name, value) -> {
            if (value.isEmpty()) {
                env.remove(name);
            } else {
                env.put(name, value);
            }
        });
        return builder.start();
    }

    /** The service's log file. */
    Path log(String service) {
        return logs.resolve(service.replace('#', '-') + ".log");
    }

    /** Stops the service cleanly (it leaves its consumer groups and gives its leases back). */
    void stop(String service) throws InterruptedException {
        Process process = processes.remove(service);
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /**
     * Stops the service as an orchestrator would ({@code SIGTERM}) and waits for it to exit by itself: how long it
     * took. Fails if it has not exited within a pod's grace period (it is then killed).
     */
    Duration stopCleanly(String service) throws InterruptedException {
        Process process = processes.remove(service);
        long started = System.nanoTime();
        process.destroy();
        if (!process.waitFor(45, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(service + " did not stop within 45 s of SIGTERM; see " + log(service));
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /** Whether the service answers its readiness check with 200 now. */
    boolean ready(String service) {
        return ready(READINESS, service);
    }

    /** The process id of a running service (for heap figures). */
    long pidOf(String service) {
        return processes.get(service).pid();
    }

    /** Transactions ended in the platform's database so far, by every service (see the server's own doc). */
    long databaseTransactions() throws java.sql.SQLException {
        return postgres.transactions();
    }

    /** Sets (or, with "", takes away) an environment variable of the services started or restarted from now on. */
    void environment(String name, String value) {
        overrides.put(name, value);
    }

    /** A count from the platform's database ({@code select count(*) ...}). */
    long count(String query) throws java.sql.SQLException {
        return postgres.count(query);
    }

    /** What each statement cost PostgreSQL so far (a platform started with pg_stat_statements). */
    List<EmbeddedPostgresServer.StatementCost> statementCosts() throws java.sql.SQLException {
        return postgres.statementCosts();
    }

    String kafkaBootstrap() {
        return kafka.bootstrapServers();
    }

    /** The base URL of a service or replica. */
    String urlOf(String service) {
        return url(service);
    }

    /** Starts one more replica of {@code module} on a port of its own; gives its name ({@code module#n}). */
    String startReplica(String module, int n) throws Exception {
        return startReplica(module, n, Map.of());
    }

    /** As {@link #startReplica(String, int)}, with {@code environment} on top of the platform's. */
    String startReplica(String module, int n, Map<String, String> environment) throws Exception {
        String name = module + "#" + n;
        replicaEnvironment.put(name, environment);
        ports.put(name, freePort());
        Files.deleteIfExists(log(name));
        processes.put(name, launch(name));
        awaitReady(List.of(name));
        return name;
    }

    private void awaitReady(List<String> services) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        for (String service : services) {
            while (!ready(http, service)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(service + " did not become ready; see " + log(service));
                }
                for (Map.Entry<String, Process> p : processes.entrySet()) {
                    if (!p.getValue().isAlive()) {
                        throw new IllegalStateException(p.getKey() + " exited (" + p.getValue().exitValue()
                                + "); see " + logs);
                    }
                }
                Thread.sleep(250);
            }
        }
    }

    private boolean ready(HttpClient http, String service) {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(url(service) + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() throws IOException {
        return FreePorts.next();
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes.values()) {
            p.destroy();
        }
        for (Process p : processes.values()) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (api != null) {
            api.close();
        }
        if (collector != null) {
            collector.close();
        }
        if (identityProvider != null) {
            identityProvider.close();
        }
        try {
            kafka.close();
        } finally {
            postgres.close();
        }
    }

    static File chromium() {
        return new File(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    }
}

package io.switchboard.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.config.SaslConfigs;

/**
 * A single-node KRaft broker in a process of its own, as a cluster runs it: clients are admitted by SASL/SCRAM-SHA-512
 * only and may do only what ACLs grant them ({@code allow.everyone.if.no.acl.found=false}). User {@code admin} is the
 * super user the broker itself talks as; every other user is made with {@link #createUser} and given ACLs with
 * {@link #allow}. The controller's own listener (used by the broker alone, on localhost) is plain.
 */
public final class SecuredKafka implements KafkaBroker {
    public static final String ADMIN = "admin";
    private static final String SCRAM = "SCRAM-SHA-512";

    private final Process process;
    private final int port;
    private final String adminPassword;
    private final Map<String, String> passwords = new ConcurrentHashMap<>();

    private SecuredKafka(Process process, int port, String adminPassword) {
        this.process = process;
        this.port = port;
        this.adminPassword = adminPassword;
    }

    /** Formats a new data directory under {@code home} (the admin user written into it) and starts the broker. */
    public static SecuredKafka start(Path home) throws Exception {
        int port = freePort();
        int controller = freePort();
        String adminPassword = randomPassword();
        Path config = home.resolve("server.properties");
        Files.createDirectories(home);
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=localhost:" + controller,
                "listeners=SASL_PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controller,
                "advertised.listeners=SASL_PLAINTEXT://localhost:" + port + ",CONTROLLER://localhost:" + controller,
                "listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=SASL_PLAINTEXT",
                "sasl.enabled.mechanisms=" + SCRAM,
                "sasl.mechanism.inter.broker.protocol=" + SCRAM,
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=" + jaas(ADMIN, adminPassword),
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                "allow.everyone.if.no.acl.found=false",
                // the broker reaches its controller over the plain listener, as ANONYMOUS
                "super.users=User:" + ADMIN + ";User:ANONYMOUS",
                "log.dirs=" + home.resolve("data"),
                "num.partitions=" + KafkaTopics.PARTITIONS,
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false", ""));
        Path log = home.resolve("kafka.log");
        run(log, "kafka.tools.StorageTool", "format", "--standalone", "-t", Uuid.randomUuid().toString(), "-c",
                config.toString(), "--add-scram", SCRAM + "=[name=" + ADMIN + ",password=" + adminPassword + "]");
        Process process = java(log, "kafka.Kafka", config.toString()).start();
        SecuredKafka kafka = new SecuredKafka(process, port, adminPassword);
        try {
            kafka.awaitReady(log);
            KafkaTopics.create(kafka.settingsFor(ADMIN));
            return kafka;
        } catch (Exception | Error e) {
            kafka.close();
            throw e;
        }
    }

    /** A new SCRAM user with a random password, allowed nothing until {@link #allow} says so. */
    public void createUser(String name) throws Exception {
        String password = randomPassword();
        try (Admin admin = Admin.create(settingsFor(ADMIN))) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(name,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get();
        }
        passwords.put(name, password);
    }

    public void allow(List<AclBinding> acls) throws Exception {
        try (Admin admin = Admin.create(settingsFor(ADMIN))) {
            admin.createAcls(acls).all().get();
        }
    }

    /** Kafka client settings that sign in as {@code user}. */
    public Map<String, Object> settingsFor(String user) {
        return settingsFor(user, ADMIN.equals(user) ? adminPassword : passwords.get(user));
    }

    /** Kafka client settings that sign in as {@code user} with {@code password} (right or wrong). */
    public Map<String, Object> settingsFor(String user, String password) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        settings.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
        settings.put(SaslConfigs.SASL_MECHANISM, SCRAM);
        settings.put(SaslConfigs.SASL_JAAS_CONFIG, jaas(user, password));
        return settings;
    }

    @Override
    public String bootstrapServers() {
        return "localhost:" + port;
    }

    /**
     * A service signs in as the user of its own name (a replica {@code agent-runtime#2} as {@code agent-runtime}), with
     * the {@code KAFKA_*} variables docs/architecture.md tells operators to set.
     */
    @Override
    public Map<String, String> clientEnvironment(String service) {
        String user = service.contains("#") ? service.substring(0, service.indexOf('#')) : service;
        String password = passwords.get(user);
        if (password == null) {
            return Map.of();
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        env.put("KAFKA_SASL_MECHANISM", SCRAM);
        env.put("KAFKA_SASL_JAAS_CONFIG", jaas(user, password));
        return env;
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void awaitReady(Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        Map<String, Object> settings = new HashMap<>(settingsFor(ADMIN));
        settings.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        settings.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Kafka broker exited (" + process.exitValue() + "); see " + log);
            }
            try (Admin admin = Admin.create(settings)) {
                admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
                return;
            } catch (Exception notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the Kafka broker did not answer in 2 minutes; see " + log, notYet);
                }
                Thread.sleep(250);
            }
        }
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    private static void run(Path log, String main, String... args) throws Exception {
        Process process = java(log, main, args).start();
        if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException(main + " failed; see " + log);
        }
    }

    /** A JVM with this one's class path (Kafka's broker and tools are on it). */
    private static ProcessBuilder java(Path log, String main, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), main));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static int freePort() throws IOException {
        return FreePorts.next();
    }
}

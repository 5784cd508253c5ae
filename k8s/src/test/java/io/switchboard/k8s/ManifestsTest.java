package io.switchboard.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The manifests under {@code k8s/}: each document against the schema of its kind (the Kubernetes API's, Strimzi's
 * published CRDs), every file part of a kustomization and every kustomization's parts there, and what the platform
 * needs of its Deployments: probes that never ask Kafka or PostgreSQL whether the process lives, memory limits, a
 * non-root user, a PodDisruptionBudget and HorizontalPodAutoscaler each, and connection pools the database can take.
 */
class ManifestsTest {
    private static final Path K8S = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    private static final Set<String> SERVICES = Set.of("agent-runtime", "llm-gateway", "eval-runner", "admin-ui");
    /** PostgreSQL's default {@code superuser_reserved_connections}. */
    private static final int SUPERUSER_RESERVED_CONNECTIONS = 3;
    private static Schemas schemas;
    private static Map<Path, List<JsonNode>> manifests;

    @BeforeAll
    static void load() throws IOException {
        schemas = new Schemas().withCrd("/crds/v1/040-Crd-kafka.yaml").withCrd("/crds/v1/043-Crd-kafkatopic.yaml")
                .withCrd("/crds/v1/044-Crd-kafkauser.yaml").withCrd("/crds/v1/045-Crd-kafkanodepool.yaml");
        manifests = new LinkedHashMap<>();
        for (Path file : yamlFiles()) {
            if (!file.getFileName().toString().equals("kustomization.yaml")) {
                manifests.put(file, documents(file));
            }
        }
    }

    @Test
    void everyManifestFitsTheSchemaOfItsKind() throws Exception {
        List<String> problems = new ArrayList<>();
        List<JsonNode> clusters = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<Path, List<JsonNode>> file : manifests.entrySet()) {
            for (JsonNode document : file.getValue()) {
                String what = K8S.relativize(file.getKey()) + ": " + document.path("kind").asText() + " "
                        + document.path("metadata").path("name").asText();
                if (isCnpgCluster(document)) {
                    clusters.add(document);
                    continue;
                }
                if (!schemas.knows(document.path("apiVersion").asText(), document.path("kind").asText())) {
                    problems.add(what + ": no schema for " + document.path("apiVersion").asText());
                    continue;
                }
                schemas.problems(document).forEach(p -> problems.add(what + ": " + p));
                checked++;
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).isGreaterThan(30);
        assertThat(clusters).hasSize(1);
        assertThat(CnpgCheck.problems(clusters)).isEmpty();
    }

    @Test
    void theCheckFindsWhatIsWrong() throws Exception {
        JsonNode deployment = manifests.get(K8S.resolve("base/agent-runtime.yaml")).get(0).deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) deployment.path("spec")).put("replica", 2);
        assertThat(schemas.problems(deployment)).anySatisfy(p -> assertThat(p).contains("replica"));

        JsonNode topic = Schemas.YAML.readTree("apiVersion: kafka.strimzi.io/v1\nkind: KafkaTopic\n"
                + "metadata: {name: t}\nspec: {partitions: many}\n");
        assertThat(schemas.problems(topic)).anySatisfy(p -> assertThat(p).contains("partitions"));
        JsonNode user = Schemas.YAML.readTree("apiVersion: kafka.strimzi.io/v1\nkind: KafkaUser\nmetadata: {name: u}\n"
                + "spec: {authorization: {type: simple, acls: [{resource: {type: topic, name: t}, operations: [Read],"
                + " operation: Read}]}}\n"); // v1beta2's singular field, gone from v1
        assertThat(schemas.problems(user)).anySatisfy(p -> assertThat(p).contains("operation"));
        JsonNode policy = Schemas.YAML.readTree("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                + "metadata: {name: p}\nspec: {podSelector: {}, policyType: [Ingress]}\n");
        assertThat(schemas.problems(policy)).anySatisfy(p -> assertThat(p).contains("policyType"));
        JsonNode port = Schemas.YAML.readTree("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
                + "spec: {ports: [{port: 80, targetPort: 8080}, {port: 81, targetPort: http}]}\n");
        assertThat(schemas.problems(port)).isEmpty();
        JsonNode cluster = Schemas.YAML.readTree("apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\n"
                + "metadata: {name: c}\nspec: {instances: two}\n");
        assertThat(CnpgCheck.problems(List.of(cluster))).anySatisfy(p -> assertThat(p).contains("instances"));
    }

    @Test
    void everyFileIsPartOfAKustomizationAndEveryPartExists() throws IOException {
        Set<Path> referenced = new HashSet<>();
        for (Path kustomization : yamlFiles()) {
            if (!kustomization.getFileName().toString().equals("kustomization.yaml")) {
                continue;
            }
            JsonNode k = Schemas.YAML.readTree(kustomization.toFile());
            for (String field : List.of("resources", "components")) {
                for (JsonNode part : k.path(field)) {
                    Path target = kustomization.getParent().resolve(part.asText()).normalize();
                    assertThat(Files.isRegularFile(target) || Files.isRegularFile(target.resolve("kustomization.yaml")))
                            .as(kustomization + " names " + part.asText()).isTrue();
                    referenced.add(target);
                }
            }
        }
        assertThat(manifests.keySet()).allSatisfy(file -> assertThat(referenced).as("kustomizations").contains(file));
    }

    @Test
    void theServicesAreProbedLimitedUnprivilegedAndBudgeted() {
        Map<String, JsonNode> deployments = new LinkedHashMap<>();
        Set<String> budgeted = new HashSet<>();
        Set<String> scaled = new HashSet<>();
        for (JsonNode document : all()) {
            String kind = document.path("kind").asText();
            if (kind.equals("Deployment") && SERVICES.contains(document.path("metadata").path("name").asText())) {
                deployments.put(document.path("metadata").path("name").asText(), document);
            } else if (kind.equals("PodDisruptionBudget")) {
                budgeted.add(document.path("spec").path("selector").path("matchLabels")
                        .path("app.kubernetes.io/name").asText());
            } else if (kind.equals("HorizontalPodAutoscaler")) {
                scaled.add(document.path("spec").path("scaleTargetRef").path("name").asText());
            }
        }
        assertThat(deployments.keySet()).containsExactlyInAnyOrderElementsOf(SERVICES);
        assertThat(budgeted).containsAll(SERVICES);
        assertThat(scaled).containsAll(SERVICES);
        deployments.forEach((name, deployment) -> {
            JsonNode pod = deployment.path("spec").path("template").path("spec");
            JsonNode container = pod.path("containers").get(0);
            assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).as(name)
                    .isEqualTo("/q/health/live");
            assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).as(name)
                    .isEqualTo("/q/health/ready");
            assertThat(container.path("resources").path("limits").path("memory").asText()).as(name).isNotEmpty();
            assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).as(name).isTrue();
            assertThat(pod.path("terminationGracePeriodSeconds").asInt()).as(name).isGreaterThan(30);
        });
    }

    /**
     * In each overlay, every replica a service may have (its autoscaler's maximum, and one more while a rollout surges)
     * opening its pools whole still leaves PostgreSQL its superusers' reserve: past {@code max_connections},
     * connections are refused.
     */
    @Test
    void theDatabaseTakesEveryConnectionTheServicesMayOpen() throws IOException {
        Map<String, Integer> databases = new HashMap<>();
        try (Stream<Path> overlays = Files.list(K8S.resolve("overlays"))) {
            for (Path overlay : overlays.sorted().toList()) {
                List<JsonNode> documents = rendered(overlay);
                int connections = connectionsAtTheMost(documents);
                int max = maxConnections(documents);
                databases.put(K8S.relativize(overlay).toString(), max);
                assertThat(max).as("max_connections in " + K8S.relativize(overlay) + ", for " + connections
                        + " connections").isGreaterThanOrEqualTo(connections + SUPERUSER_RESERVED_CONNECTIONS);
            }
        }
        assertThat(databases).containsOnlyKeys("overlays/local", "overlays/production");
    }

    @Test
    void theConnectionCheckCountsTheOverlaysPatches() throws IOException {
        List<JsonNode> local = rendered(K8S.resolve("overlays/local"));
        List<JsonNode> base = rendered(K8S.resolve("base"));
        assertThat(connectionsAtTheMost(local)).as("the local overlay's smaller autoscalers")
                .isLessThan(connectionsAtTheMost(base));
        assertThat(maxConnections(local)).isEqualTo(200);
        assertThat(maxConnections(rendered(K8S.resolve("overlays/production")))).isEqualTo(350);
    }

    private static int connectionsAtTheMost(List<JsonNode> documents) {
        Map<String, Integer> maxReplicas = new HashMap<>();
        documents.stream().filter(d -> d.path("kind").asText().equals("HorizontalPodAutoscaler")).forEach(hpa ->
                maxReplicas.put(hpa.path("spec").path("scaleTargetRef").path("name").asText(),
                        hpa.path("spec").path("maxReplicas").asInt()));
        int connections = 0;
        for (JsonNode deployment : documents) {
            JsonNode template = deployment.path("spec").path("template");
            boolean usesTheDatabase = template.path("metadata").path("labels").path("switchboard.io/database").asText()
                    .equals("true");
            if (!deployment.path("kind").asText().equals("Deployment") || !usesTheDatabase) {
                continue;
            }
            String name = deployment.path("metadata").path("name").asText();
            Map<String, String> env = env(template);
            assertThat(env).as(name).containsKeys("QUARKUS_DATASOURCE_REACTIVE_MAX_SIZE",
                    "QUARKUS_DATASOURCE_JDBC_MAX_SIZE");
            JsonNode surge = deployment.path("spec").path("strategy").path("rollingUpdate").path("maxSurge");
            assertThat(surge.isInt()).as(name + "'s maxSurge, a number of pods").isTrue();
            assertThat(maxReplicas).as(name + "'s autoscaler").containsKey(name);
            connections += (maxReplicas.get(name) + surge.asInt())
                    * (Integer.parseInt(env.get("QUARKUS_DATASOURCE_REACTIVE_MAX_SIZE"))
                    + Integer.parseInt(env.get("QUARKUS_DATASOURCE_JDBC_MAX_SIZE")));
        }
        assertThat(connections).as("connections the services may open").isPositive();
        return connections;
    }

    /** The database's max_connections: the CloudNativePG Cluster's, or the local image's (images/postgres.sh). */
    private static int maxConnections(List<JsonNode> documents) {
        List<Integer> found = new ArrayList<>();
        for (JsonNode document : documents) {
            if (isCnpgCluster(document)) {
                found.add(Integer.parseInt(document.path("spec").path("postgresql").path("parameters")
                        .path("max_connections").asText("100")));
            } else if (document.path("kind").asText().equals("Deployment")
                    && document.path("metadata").path("name").asText().equals("postgres")) {
                found.add(Integer.parseInt(env(document.path("spec").path("template"))
                        .getOrDefault("POSTGRES_MAX_CONNECTIONS", "100")));
            }
        }
        assertThat(found).as("one database").hasSize(1);
        return found.get(0);
    }

    private static Map<String, String> env(JsonNode podTemplate) {
        Map<String, String> env = new HashMap<>();
        podTemplate.path("spec").path("containers").get(0).path("env")
                .forEach(variable -> env.put(variable.path("name").asText(), variable.path("value").asText()));
        return env;
    }

    /**
     * A kustomization's documents, as {@code kubectl kustomize} makes them for what this check reads: its resources (a
     * directory is a kustomization of its own), its components (each adds its resources to these and patches them),
     * then its patches. Patches are inline JSON patches of {@code replace} only: any other fails the check.
     */
    private static List<JsonNode> rendered(Path directory) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        render(directory, documents);
        return documents;
    }

    private static void render(Path directory, List<JsonNode> documents) throws IOException {
        JsonNode kustomization = Schemas.YAML.readTree(directory.resolve("kustomization.yaml").toFile());
        for (JsonNode part : kustomization.path("resources")) {
            Path target = directory.resolve(part.asText()).normalize();
            if (Files.isDirectory(target)) {
                documents.addAll(rendered(target));
            } else {
                manifests.get(target).forEach(document -> documents.add(document.deepCopy()));
            }
        }
        for (JsonNode component : kustomization.path("components")) {
            render(directory.resolve(component.asText()).normalize(), documents);
        }
        for (JsonNode patch : kustomization.path("patches")) {
            assertThat(patch.path("patch").isTextual()).as("an inline patch in " + directory).isTrue();
            JsonNode target = patch.path("target");
            List<JsonNode> targets = documents.stream().filter(d -> d.path("kind").asText()
                    .equals(target.path("kind").asText()) && d.path("metadata").path("name").asText()
                    .equals(target.path("name").asText())).toList();
            assertThat(targets).as("the target of a patch in " + directory).hasSize(1);
            for (JsonNode op : Schemas.YAML.readTree(patch.path("patch").asText())) {
                assertThat(op.path("op").asText()).as("a patch in " + directory).isEqualTo("replace");
                String path = op.path("path").asText();
                JsonNode parent = targets.get(0).at(path.substring(0, path.lastIndexOf('/')));
                assertThat(parent.isObject()).as(path + " in " + directory).isTrue();
                ((com.fasterxml.jackson.databind.node.ObjectNode) parent).set(path.substring(path.lastIndexOf('/') + 1),
                        op.path("value"));
            }
        }
    }

    private static boolean isCnpgCluster(JsonNode document) {
        return document.path("apiVersion").asText().equals("postgresql.cnpg.io/v1")
                && document.path("kind").asText().equals("Cluster");
    }

    private static List<JsonNode> all() {
        return manifests.values().stream().flatMap(List::stream).toList();
    }

    private static List<Path> yamlFiles() throws IOException {
        try (Stream<Path> files = Files.walk(K8S)) {
            return files.filter(f -> f.toString().endsWith(".yaml") && !K8S.relativize(f).startsWith("target"))
                    .sorted().toList();
        }
    }

    private static List<JsonNode> documents(Path file) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = Schemas.YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode document = it.next();
                if (document != null && !document.isEmpty()) {
                    documents.add(document);
                }
            }
        }
        return documents;
    }
}

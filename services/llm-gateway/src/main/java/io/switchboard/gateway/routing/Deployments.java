package io.switchboard.gateway.routing;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.switchboard.gateway.config.GatewayConfig;
import io.switchboard.crypto.SecretCipher;
import io.switchboard.gateway.credentials.StoredDeployments;
import io.switchboard.gateway.provider.ChatProvider;
import io.switchboard.gateway.provider.Upstream;
import io.switchboard.gateway.provider.sim.SimProvider;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The deployments with their adapters (one HTTP connection pool each) and the aliases that route to them: the
 * built-in {@code sim}, those in configuration, and those stored through the API (reloaded from the database every
 * few seconds, so every replica converges). Requests see one immutable snapshot; a reload swaps it.
 */
@ApplicationScoped
public class Deployments implements RouteTable {
    private static final Logger LOG = Logger.getLogger(Deployments.class);
    // deployments stored through the API get the same timeouts as configured ones get by default
    private static final Duration STORED_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration STORED_FIRST_BYTE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STORED_IDLE_TIMEOUT = Duration.ofSeconds(30);

    /** Where a deployment was defined. */
    public enum Source { BUILT_IN, CONFIGURATION, DATABASE }

    private record Entry(Deployment deployment, ChatProvider provider, Upstream upstream, Source source,
                         Limits limits) {
    }

    private record Snapshot(Map<String, Entry> deployments, Map<String, List<Deployment>> aliases,
                            Map<String, String> strategies) {
    }

    /** How an alias can pick among its deployments. */
    public static final List<String> STRATEGIES = List.of("priority", "weighted", "least-busy");

    private final Vertx vertx;
    private final StoredDeployments store;
    private final SecretCipher cipher;
    private final Map<String, Entry> fixed = new LinkedHashMap<>();
    private final Map<String, List<String>> configuredAliases;
    private final Map<String, String> configuredStrategies;
    private final Map<String, String> contextFallbacks;
    private volatile Snapshot snapshot;

    public Deployments(GatewayConfig config, Vertx vertx, StoredDeployments store, SecretCipher cipher) {
        this.vertx = vertx;
        this.store = store;
        this.cipher = cipher;
        Deployment sim = new Deployment("sim", "sim", null, "sim", null, 0, null, null, null, 0);
        fixed.put("sim", new Entry(sim, new SimProvider(config.sim().tokenInterval()), null, Source.BUILT_IN,
                Limits.NONE));
        config.deployments().forEach((name, d) -> {
            String key = d.apiKey().filter(k -> !k.isBlank()).orElse(null);
            if (needsKey(d.provider()) && key == null) {
                LOG.infof("deployment %s (%s) is off: no API key set", name, d.provider());
                return;
            }
            Deployment deployment = new Deployment(name, d.provider(), d.baseUrl().orElseThrow(
                    () -> new IllegalArgumentException("gateway.deployments." + name + ".base-url is required")),
                    d.model().orElse(name), key, d.maxRetries(), d.connectTimeout(), d.firstByteTimeout(),
                    d.idleTimeout(), d.maxTokens());
            fixed.put(name, connect(deployment, Source.CONFIGURATION, new Limits(d.weight(), d.maxConcurrent(),
                    d.requestsPerMinute(), d.tokensPerMinute())));
        });
        this.configuredAliases = config.aliases();
        this.configuredStrategies = config.aliasStrategies();
        this.contextFallbacks = config.contextFallbacks();
        this.snapshot = build(Map.of(), Map.of());
    }

    static boolean needsKey(String provider) {
        return provider.equals("openai") || provider.equals("anthropic");
    }

    private Entry connect(Deployment deployment, Source source, Limits limits) {
        Upstream upstream = new Upstream(vertx, deployment.baseUrl(), deployment.connectTimeout(),
                deployment.firstByteTimeout(), deployment.idleTimeout());
        return new Entry(deployment, ProviderAdapters.adapter(deployment, upstream), upstream, source, limits);
    }

    private Snapshot build(Map<String, Entry> stored, Map<String, Alias> storedAliases) {
        Map<String, Entry> all = new LinkedHashMap<>(fixed);
        stored.forEach(all::putIfAbsent);
        Map<String, List<String>> names = new LinkedHashMap<>(configuredAliases);
        Map<String, String> strategies = new HashMap<>(configuredStrategies);
        storedAliases.forEach((alias, definition) -> {
            if (names.putIfAbsent(alias, definition.deployments()) == null) {
                strategies.put(alias, definition.strategy());
            }
        });
        Map<String, List<Deployment>> aliases = new LinkedHashMap<>();
        names.forEach((alias, members) -> {
            List<Deployment> route = members.stream().map(String::strip).map(all::get).filter(e -> e != null)
                    .map(Entry::deployment).toList();
            if (!route.isEmpty()) {
                aliases.put(alias, route);
            }
        });
        return new Snapshot(all, aliases, strategies);
    }

    void load(@Observes StartupEvent event) {
        reload().subscribe().with(x -> { }, e -> LOG.warn("could not load the stored deployments yet", e));
    }

    /** Reads the stored deployments and aliases and swaps them in; unchanged ones keep their connections. */
    @Scheduled(every = "${gateway.routing.reload-interval:10s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class) // not while the pool closes at shutdown
    public Uni<Void> reload() {
        return store.all().flatMap(rows -> store.aliases().map(aliases -> {
            swap(rows, aliases);
            return null;
        }));
    }

    /** One swap at a time, each from the snapshot in force, so concurrent reloads never close a live pool. */
    private synchronized void swap(List<StoredDeployments.Stored> rows,
                                   Map<String, Alias> aliases) {
            Map<String, Entry> previous = new HashMap<>(snapshot.deployments());
            Map<String, Entry> stored = new LinkedHashMap<>();
            for (StoredDeployments.Stored row : rows) {
                if (fixed.containsKey(row.name())) {
                    continue; // configuration wins; the API refuses such names anyway
                }
                try {
                    String key = row.apiKey() == null ? null : cipher.decrypt(row.apiKey(), row.name());
                    Deployment deployment = new Deployment(row.name(), row.provider(), row.baseUrl(), row.model(),
                            key, row.maxRetries(), STORED_CONNECT_TIMEOUT, STORED_FIRST_BYTE_TIMEOUT,
                            STORED_IDLE_TIMEOUT, 0);
                    Entry old = previous.get(row.name());
                    stored.put(row.name(), old == null || !old.deployment().equals(deployment)
                            ? connect(deployment, Source.DATABASE, row.limits())
                            : old.limits().equals(row.limits()) ? old
                            : new Entry(deployment, old.provider(), old.upstream(), Source.DATABASE, row.limits()));
                } catch (RuntimeException e) {
                    LOG.errorf("deployment %s is off: %s", row.name(), e.getMessage());
                }
            }
            Snapshot next = build(stored, aliases);
            Set<String> kept = next.deployments().keySet();
            previous.forEach((name, entry) -> {
                if (entry.source() == Source.DATABASE
                        && (!kept.contains(name) || next.deployments().get(name).upstream() != entry.upstream())) {
                    entry.upstream().close();
                }
            });
            snapshot = next;
    }

    @Override
    public List<Deployment> route(String model) {
        if (model == null) {
            return List.of();
        }
        Snapshot current = snapshot;
        List<Deployment> route = current.aliases().get(model);
        if (route != null) {
            return route;
        }
        Entry direct = current.deployments().get(model);
        if (direct != null) {
            return List.of(direct.deployment());
        }
        return model.startsWith("sim/") ? List.of(current.deployments().get("sim").deployment()) : List.of();
    }

    @Override
    public String strategy(String model) {
        return snapshot.strategies().getOrDefault(model, "priority");
    }

    @Override
    public String contextFallback(String model) {
        return contextFallbacks.get(model);
    }

    @Override
    public Limits limits(Deployment deployment) {
        Entry entry = snapshot.deployments().get(deployment.name());
        return entry == null ? Limits.NONE : entry.limits();
    }

    @Override
    public ChatProvider provider(Deployment deployment) {
        Entry entry = snapshot.deployments().get(deployment.name());
        return entry != null ? entry.provider() : fixed.get("sim").provider();
    }

    public boolean isConfiguredAlias(String name) {
        return configuredAliases.containsKey(name);
    }

    /** Where the deployment named so comes from, or null. */
    public Source source(String name) {
        Entry entry = snapshot.deployments().get(name);
        return entry == null ? null : entry.source();
    }

    /** Every deployment with where it comes from, for the API. */
    public Map<Deployment, Source> all() {
        Map<Deployment, Source> all = new LinkedHashMap<>();
        snapshot.deployments().values().forEach(e -> all.put(e.deployment(), e.source()));
        return all;
    }

    public Map<String, Alias> aliases() {
        Snapshot current = snapshot;
        Map<String, Alias> all = new LinkedHashMap<>();
        current.aliases().forEach((alias, route) -> all.put(alias, new Alias(route.stream().map(Deployment::name)
                .toList(), current.strategies().getOrDefault(alias, "priority"))));
        return all;
    }

    /** The model names clients can use: aliases, then deployments. */
    public List<String> models() {
        Snapshot current = snapshot;
        List<String> models = new ArrayList<>(current.aliases().keySet());
        current.deployments().keySet().stream().filter(name -> !current.aliases().containsKey(name))
                .forEach(models::add);
        return models;
    }

    void close(@Observes ShutdownEvent event) {
        snapshot.deployments().values().stream().filter(e -> e.upstream() != null).forEach(e -> e.upstream().close());
    }
}

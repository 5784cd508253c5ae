package io.switchboard.gateway.routing;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.SsrfGuard;
import io.switchboard.crypto.SecretCipher;
import io.switchboard.gateway.config.GatewayConfig;
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
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
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
    private final SsrfGuard guard;
    private final Map<String, Entry> fixed = new LinkedHashMap<>();
    private final Map<String, List<String>> configuredAliases;
    private final Map<String, String> configuredStrategies;
    private final Map<String, String> contextFallbacks;
    private volatile Snapshot snapshot;
    /** Reloads in the order they began reading, and the latest one swapped in (guarded by {@code this}). */
    private final AtomicLong reloads = new AtomicLong();
    private long swapped;

    public Deployments(GatewayConfig config, Vertx vertx, StoredDeployments store, SecretCipher cipher) {
        this.vertx = vertx;
        this.guard = new SsrfGuard(config.trustedHosts().orElse(List.of()));
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
                    d.idleTimeout(), d.maxTokens(), null, d.dropUnsupported());
            fixed.put(name, connect(deployment, Source.CONFIGURATION, new Limits(d.weight(), d.maxConcurrent(),
                    d.requestsPerMinute(), d.tokensPerMinute())));
        });
        this.configuredAliases = config.aliases();
        this.configuredStrategies = config.aliasStrategies();
        this.contextFallbacks = config.contextFallbacks();
        this.snapshot = build(Map.of(), List.of());
    }

    static boolean needsKey(String provider) {
        return provider.equals("openai") || provider.equals("anthropic");
    }

    private Entry connect(Deployment deployment, Source source, Limits limits) {
        // what an organization's admin stored is checked on every connection; configuration is the operator's own
        Upstream upstream = new Upstream(vertx, deployment.baseUrl(), deployment.connectTimeout(),
                deployment.firstByteTimeout(), deployment.idleTimeout(), source == Source.DATABASE ? guard : null);
        return new Entry(deployment, ProviderAdapters.adapter(deployment, upstream), upstream, source, limits);
    }

    /**
     * Shared deployments (built in, configured) under their names; an organization's under {@code <org>/<name>}
     * ({@link Deployment#key()}), and so for aliases: an organization's alias routes to its own deployments and the
     * shared ones, never another organization's.
     */
    private Snapshot build(Map<String, Entry> stored, List<StoredDeployments.StoredAlias> storedAliases) {
        Map<String, Entry> all = new LinkedHashMap<>(fixed);
        stored.forEach(all::putIfAbsent);
        Map<String, List<Deployment>> aliases = new LinkedHashMap<>();
        Map<String, String> strategies = new HashMap<>(configuredStrategies);
        configuredAliases.forEach((alias, members) -> put(aliases, alias, members.stream().map(String::strip)
                .map(fixed::get).filter(e -> e != null).map(Entry::deployment).toList()));
        for (StoredDeployments.StoredAlias alias : storedAliases) {
            if (configuredAliases.containsKey(alias.name())) {
                continue; // configuration wins; the API refuses such names anyway
            }
            String key = Deployment.key(alias.orgId(), alias.name());
            put(aliases, key, alias.alias().deployments().stream().map(String::strip)
                    .map(member -> all.getOrDefault(Deployment.key(alias.orgId(), member), fixed.get(member)))
                    .filter(e -> e != null).map(Entry::deployment).toList());
            strategies.put(key, alias.alias().strategy());
        }
        return new Snapshot(all, aliases, strategies);
    }

    private static void put(Map<String, List<Deployment>> aliases, String key, List<Deployment> route) {
        if (!route.isEmpty()) {
            aliases.put(key, route);
        }
    }

    void load(@Observes StartupEvent event) {
        reload().subscribe().with(x -> { }, e -> LOG.warn("could not load the stored deployments yet", e));
    }

    /**
     * Reads the stored deployments and aliases and swaps them in; unchanged ones keep their connections. A reload that
     * began before another but ends after it is dropped: the scheduled one that read before an API change must not
     * put back what the change's own reload replaced.
     */
    @Scheduled(every = "${gateway.routing.reload-interval:10s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class) // not while the pool closes at shutdown
    public Uni<Void> reload() {
        return Uni.createFrom().deferred(() -> {
            long reload = reloads.incrementAndGet();
            return store.all().flatMap(rows -> store.aliases().map(aliases -> {
                swap(reload, rows, aliases);
                return null;
            }));
        });
    }

    /** One swap at a time, each from the snapshot in force, so concurrent reloads never close a live pool. */
    private synchronized void swap(long reload, List<StoredDeployments.Stored> rows,
                                   List<StoredDeployments.StoredAlias> aliases) {
        if (reload < swapped) {
            return; // a later reload read later rows
        }
        swapped = reload;
        Map<String, Entry> previous = new HashMap<>(snapshot.deployments());
        Map<String, Entry> stored = new LinkedHashMap<>();
        for (StoredDeployments.Stored row : rows) {
            if (fixed.containsKey(row.name())) {
                continue; // configuration wins; the API refuses such names anyway
            }
            try {
                String key = row.apiKey() == null ? null
                        : cipher.decrypt(row.apiKey(), StoredDeployments.sealedFor(row.orgId(), row.name()));
                Deployment deployment = new Deployment(row.name(), row.provider(), row.baseUrl(), row.model(),
                        key, row.maxRetries(), STORED_CONNECT_TIMEOUT, STORED_FIRST_BYTE_TIMEOUT,
                        STORED_IDLE_TIMEOUT, 0, row.orgId(), row.dropUnsupported());
                Entry old = previous.get(deployment.key());
                stored.put(deployment.key(), old == null || !old.deployment().equals(deployment)
                        ? connect(deployment, Source.DATABASE, row.limits())
                        : old.limits().equals(row.limits()) ? old
                        : new Entry(deployment, old.provider(), old.upstream(), Source.DATABASE, row.limits()));
            } catch (RuntimeException e) {
                LOG.errorf("deployment %s is off: %s", row.name(), e.getMessage());
            }
        }
        Snapshot next = build(stored, aliases);
        Set<String> kept = next.deployments().keySet();
        previous.forEach((key, entry) -> {
            if (entry.source() == Source.DATABASE
                    && (!kept.contains(key) || next.deployments().get(key).upstream() != entry.upstream())) {
                entry.upstream().close();
            }
        });
        snapshot = next;
    }

    @Override
    public List<Deployment> route(UUID orgId, String model) {
        if (model == null) {
            return List.of();
        }
        Snapshot current = snapshot;
        String own = Deployment.key(orgId, model);
        List<Deployment> route = current.aliases().get(own);
        if (route == null && configuredAliases.containsKey(model)) {
            // only a shared alias goes by its plain name ("<another org>/<alias>" is not one of them)
            route = current.aliases().get(model);
        }
        if (route != null) {
            return route;
        }
        Entry direct = current.deployments().get(own);
        if (direct == null) {
            direct = fixed.containsKey(model) ? current.deployments().get(model) : null;
        }
        if (direct != null) {
            return List.of(direct.deployment());
        }
        return model.startsWith("sim/") ? List.of(current.deployments().get("sim").deployment()) : List.of();
    }

    @Override
    public String strategy(UUID orgId, String model) {
        Snapshot current = snapshot;
        String own = current.strategies().get(Deployment.key(orgId, model));
        return own != null ? own : configuredAliases.containsKey(model)
                ? current.strategies().getOrDefault(model, "priority") : "priority";
    }

    @Override
    public String contextFallback(String model) {
        return contextFallbacks.get(model);
    }

    @Override
    public Limits limits(Deployment deployment) {
        Entry entry = snapshot.deployments().get(deployment.key());
        return entry == null ? Limits.NONE : entry.limits();
    }

    @Override
    public ChatProvider provider(Deployment deployment) {
        Entry entry = snapshot.deployments().get(deployment.key());
        return entry != null ? entry.provider() : fixed.get("sim").provider();
    }

    public boolean isConfiguredAlias(String name) {
        return configuredAliases.containsKey(name);
    }

    /** Where the deployment of that name, as the organization sees it, comes from; or null. */
    public Source source(UUID orgId, String name) {
        Entry entry = snapshot.deployments().get(Deployment.key(orgId, name));
        if (entry == null) {
            entry = fixed.get(name);
        }
        return entry == null ? null : entry.source();
    }

    /** The deployments the organization sees (the shared ones and its own), with where each comes from. */
    public Map<Deployment, Source> all(UUID orgId) {
        Map<Deployment, Source> all = new LinkedHashMap<>();
        snapshot.deployments().values().stream().filter(e -> e.deployment().orgId() == null
                || e.deployment().orgId().equals(orgId)).forEach(e -> all.put(e.deployment(), e.source()));
        return all;
    }

    /** The aliases the organization sees, by the name it uses. */
    public Map<String, Alias> aliases(UUID orgId) {
        Snapshot current = snapshot;
        String prefix = orgId + "/";
        Map<String, Alias> all = new LinkedHashMap<>();
        current.aliases().forEach((key, route) -> {
            String name = key.startsWith(prefix) ? key.substring(prefix.length()) : key.contains("/") ? null : key;
            if (name != null) {
                all.put(name, new Alias(route.stream().map(Deployment::name).toList(),
                        current.strategies().getOrDefault(key, "priority")));
            }
        });
        return all;
    }

    /** The model names the organization's clients can use: aliases, then deployments. */
    public List<String> models(UUID orgId) {
        List<String> models = new ArrayList<>(aliases(orgId).keySet());
        all(orgId).keySet().stream().map(Deployment::name).filter(name -> !models.contains(name))
                .forEach(models::add);
        return models;
    }

    void close(@Observes ShutdownEvent event) {
        snapshot.deployments().values().stream().filter(e -> e.upstream() != null).forEach(e -> e.upstream().close());
    }
}

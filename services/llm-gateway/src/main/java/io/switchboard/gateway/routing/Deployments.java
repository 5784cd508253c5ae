package io.switchboard.gateway.routing;

import io.quarkus.runtime.ShutdownEvent;
import io.switchboard.gateway.config.GatewayConfig;
import io.switchboard.gateway.provider.ChatProvider;
import io.switchboard.gateway.provider.Upstream;
import io.switchboard.gateway.provider.sim.SimProvider;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The configured deployments with their adapters (one HTTP connection pool each), and the aliases that route to
 * them. The built-in {@code sim} deployment is always there.
 */
@ApplicationScoped
public class Deployments implements RouteTable {
    private static final Logger LOG = Logger.getLogger(Deployments.class);

    private final Map<String, Deployment> byName = new LinkedHashMap<>();
    private final Map<String, ChatProvider> providers = new LinkedHashMap<>();
    private final Map<String, List<Deployment>> aliases = new LinkedHashMap<>();
    private final List<Upstream> upstreams = new ArrayList<>();

    public Deployments(GatewayConfig config, Vertx vertx) {
        add(new Deployment("sim", "sim", null, "sim", null, 0, null, null, null, 0),
                new SimProvider(config.sim().tokenInterval()));
        config.deployments().forEach((name, d) -> {
            String key = d.apiKey().filter(k -> !k.isBlank()).orElse(null);
            boolean needsKey = d.provider().equals("openai") || d.provider().equals("anthropic");
            if (needsKey && key == null) {
                LOG.infof("deployment %s (%s) is off: no API key set", name, d.provider());
                return;
            }
            Deployment deployment = new Deployment(name, d.provider(), d.baseUrl().orElseThrow(
                    () -> new IllegalArgumentException("gateway.deployments." + name + ".base-url is required")),
                    d.model().orElse(name), key, d.maxRetries(), d.connectTimeout(), d.firstByteTimeout(),
                    d.idleTimeout(), d.maxTokens());
            Upstream upstream = new Upstream(vertx, deployment.baseUrl(), d.connectTimeout(), d.firstByteTimeout(),
                    d.idleTimeout());
            upstreams.add(upstream);
            add(deployment, ProviderAdapters.adapter(deployment, upstream));
        });
        config.aliases().forEach((alias, names) -> {
            List<Deployment> route = names.stream().map(String::strip).map(byName::get)
                    .filter(d -> d != null).toList();
            if (route.isEmpty()) {
                LOG.warnf("alias %s has no usable deployment (%s)", alias, names);
            } else {
                aliases.put(alias, route);
            }
        });
    }

    private void add(Deployment deployment, ChatProvider provider) {
        byName.put(deployment.name(), deployment);
        providers.put(deployment.name(), provider);
    }

    @Override
    public List<Deployment> route(String model) {
        if (model == null) {
            return List.of();
        }
        List<Deployment> route = aliases.get(model);
        if (route != null) {
            return route;
        }
        Deployment direct = byName.get(model);
        if (direct != null) {
            return List.of(direct);
        }
        return model.startsWith("sim/") ? List.of(byName.get("sim")) : List.of();
    }

    @Override
    public ChatProvider provider(Deployment deployment) {
        return providers.get(deployment.name());
    }

    /** The model names clients can use: aliases, then deployments. */
    public List<String> models() {
        List<String> models = new ArrayList<>(aliases.keySet());
        byName.keySet().stream().filter(name -> !aliases.containsKey(name)).forEach(models::add);
        return models;
    }

    void close(@Observes ShutdownEvent event) {
        upstreams.forEach(Upstream::close);
    }
}

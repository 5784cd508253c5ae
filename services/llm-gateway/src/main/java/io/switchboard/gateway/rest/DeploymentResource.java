package io.switchboard.gateway.rest;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.switchboard.api.SsrfGuard;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.crypto.SecretCipher;
import io.switchboard.gateway.config.GatewayConfig;
import io.switchboard.gateway.credentials.StoredDeployments;
import io.switchboard.gateway.routing.Alias;
import io.switchboard.gateway.routing.Deployment;
import io.switchboard.gateway.routing.Deployments;
import io.switchboard.gateway.routing.Limits;
import io.switchboard.gateway.routing.Router;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.ClientErrorException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Deployments and aliases through the API, beside those in configuration. An API key is write-only: it is sealed
 * before it is stored and no answer, log or error ever carries it.
 */
@Path("/api")
@RolesAllowed(Role.VIEWER_NAME)
public class DeploymentResource {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    private static final List<String> PROVIDERS = List.of("openai", "openai-compatible", "anthropic", "ollama");

    private final StoredDeployments store;
    private final Deployments deployments;
    private final SecretCipher cipher;
    private final Router router;
    private final SsrfGuard guard;

    public DeploymentResource(StoredDeployments store, Deployments deployments, SecretCipher cipher,
                              Router router, GatewayConfig config) {
        this.store = store;
        this.deployments = deployments;
        this.cipher = cipher;
        this.router = router;
        this.guard = new SsrfGuard(config.trustedHosts().orElse(List.of()));
    }

    /**
     * The body of {@code PUT /api/deployments/{name}}; leave {@code apiKey} out to keep the stored one. The weight and
     * limits are optional (see {@link Limits}; 0 or absent: no limit). {@code dropUnsupported}: go on without the
     * generation settings the vendor has no field for, instead of refusing such calls.
     */
    public record DeploymentInput(String provider, String baseUrl, String model, String apiKey, Integer maxRetries,
                                  Integer weight, Integer maxConcurrent, Integer requestsPerMinute,
                                  Integer tokensPerMinute, Boolean dropUnsupported) {
    }

    /** A deployment as the API shows it: never its key, only whether it has one. */
    public record DeploymentView(String name, String provider, String baseUrl, String model, int maxRetries,
                                 boolean hasApiKey, String source, boolean coolingDown, Limits limits,
                                 boolean dropUnsupported) {
    }

    /** The body of {@code PUT /api/aliases/{name}}: deployments in order; strategy defaults to {@code priority}. */
    public record AliasInput(List<String> deployments, String strategy) {
    }

    @GET
    @Path("/deployments")
    public List<DeploymentView> list(SecurityContext security) {
        return deployments.all(Caller.of(security).orgId()).entrySet().stream().map(e -> view(e.getKey(), e.getValue())).toList();
    }

    @Consumes(MediaType.APPLICATION_JSON)
    @PUT
    @Path("/deployments/{name}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<DeploymentView> put(@PathParam("name") String name, DeploymentInput body, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        if (!NAME.matcher(name).matches()) {
            throw new BadRequestException("a deployment name is 1-100 of a-z, 0-9, '.', '_' and '-'");
        }
        Deployments.Source source = deployments.source(org, name);
        if (source == Deployments.Source.BUILT_IN || source == Deployments.Source.CONFIGURATION) {
            throw new ClientErrorException("deployment " + name + " is defined in configuration; change it there",
                    409);
        }
        if (body == null || body.provider() == null || !PROVIDERS.contains(body.provider())) {
            throw new BadRequestException("provider must be one of " + PROVIDERS);
        }
        if (body.baseUrl() == null || !body.baseUrl().matches("https?://[^\\s]+")) {
            throw new BadRequestException("baseUrl must be an http(s) URL");
        }
        if (body.model() == null || body.model().isBlank()) {
            throw new BadRequestException("model is required");
        }
        int retries = body.maxRetries() == null ? 2 : body.maxRetries();
        if (retries < 0 || retries > 10) {
            throw new BadRequestException("maxRetries must be between 0 and 10");
        }
        Limits limits = new Limits(orDefault(body.weight(), 1), orDefault(body.maxConcurrent(), 0),
                orDefault(body.requestsPerMinute(), 0), orDefault(body.tokensPerMinute(), 0));
        SecretCipher.Sealed key = null;
        if (body.apiKey() != null && !body.apiKey().isBlank()) {
            if (!cipher.canEncrypt()) {
                throw new ClientErrorException("no master key is configured (SWITCHBOARD_MASTER_KEYS): credentials"
                        + " cannot be stored", 409);
            }
            key = cipher.encrypt(body.apiKey().strip(), StoredDeployments.sealedFor(org, name));
        }
        SecretCipher.Sealed sealed = key;
        return publicOrTrusted(body.baseUrl())
                .flatMap(x -> store.put(org, name, body.provider(), body.baseUrl(), body.model().strip(), retries,
                        sealed, limits, Boolean.TRUE.equals(body.dropUnsupported())))
                .flatMap(x -> deployments.reload())
                .map(x -> deployments.all(org).entrySet().stream().filter(e -> e.getKey().name().equals(name))
                        .findFirst().map(e -> view(e.getKey(), e.getValue()))
                        .orElseThrow(() -> new BadRequestException("deployment " + name + " could not be loaded")));
    }

    /**
     * 400 when the URL's host is neither trusted nor public (DNS is blocking: resolved on a worker thread). A host
     * that does not resolve yet is taken: every connection to it is checked again ({@code Upstream}).
     */
    private Uni<Void> publicOrTrusted(String baseUrl) {
        return Uni.createFrom().<Void>item(() -> {
            URI uri = URI.create(baseUrl);
            int port = uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
            if (uri.getHost() == null || !guard.trusts(SsrfGuard.hostName(uri.getHost()), port)) {
                try {
                    guard.check(baseUrl, List.of());
                } catch (SsrfGuard.UnknownHost e) {
                    return null;
                }
            }
            return null;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onFailure(e -> e instanceof SsrfGuard.Refused || e instanceof IllegalArgumentException).transform(e ->
                        new BadRequestException("baseUrl: " + e.getMessage() + " (an operator can trust an internal"
                                + " host with GATEWAY_TRUSTED_HOSTS)"));
    }

    @DELETE
    @Path("/deployments/{name}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> delete(@PathParam("name") String name, SecurityContext security) {
        return store.delete(Caller.of(security).orgId(), name).flatMap(deleted -> {
            if (!deleted) {
                throw new NotFoundException("no stored deployment " + name);
            }
            return deployments.reload().map(x -> Response.noContent().build());
        });
    }

    @GET
    @Path("/aliases")
    public Map<String, Alias> aliases(SecurityContext security) {
        return deployments.aliases(Caller.of(security).orgId());
    }

    @Consumes(MediaType.APPLICATION_JSON)
    @PUT
    @Path("/aliases/{name}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Map<String, Alias>> putAlias(@PathParam("name") String name, AliasInput body,
                                           SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        if (!NAME.matcher(name).matches()) {
            throw new BadRequestException("an alias is 1-100 of a-z, 0-9, '.', '_' and '-'");
        }
        if (body == null || body.deployments() == null || body.deployments().isEmpty()) {
            throw new BadRequestException("deployments must list at least one deployment");
        }
        for (String member : body.deployments()) {
            if (member == null) {
                throw new BadRequestException("deployments: a deployment name is null");
            }
            if (deployments.source(org, member) == null) {
                throw new BadRequestException("no deployment " + member);
            }
        }
        String strategy = body.strategy() == null || body.strategy().isBlank() ? "priority" : body.strategy();
        if (!Deployments.STRATEGIES.contains(strategy)) {
            throw new BadRequestException("strategy must be one of " + Deployments.STRATEGIES);
        }
        if (deployments.source(org, name) != null) {
            throw new ClientErrorException("there is a deployment named " + name + "; an alias needs its own name",
                    409);
        }
        if (deployments.isConfiguredAlias(name)) {
            throw new ClientErrorException("alias " + name + " is defined in configuration; change it there", 409);
        }
        return store.putAlias(org, name, new Alias(body.deployments(), strategy))
                .flatMap(x -> deployments.reload())
                .map(x -> deployments.aliases(org));
    }

    /** The body of the rotation answer. */
    public record Rotation(String currentKeyId, int resealed) {
    }

    /**
     * Re-seals every stored key with the current (first) master key. Old keys keep decrypting meanwhile, so nothing
     * stops; once this answers, old keys can be removed from {@code SWITCHBOARD_MASTER_KEYS}.
     */
    @POST
    @Path("/credentials/rotate")
    @RolesAllowed(Role.PLATFORM_ADMIN)
    public Uni<Rotation> rotate() {
        if (!cipher.canEncrypt()) {
            throw new ClientErrorException("no master key is configured (SWITCHBOARD_MASTER_KEYS)", 409);
        }
        return store.reseal(cipher).map(count -> new Rotation(cipher.currentKeyId(), count));
    }

    private DeploymentView view(Deployment d, Deployments.Source source) {
        return new DeploymentView(d.name(), d.provider(), d.baseUrl(), d.model(), d.maxRetries(),
                d.apiKey() != null, source.name().toLowerCase(), router.cooldowns().open(d.key()),
                deployments.limits(d), d.dropUnsupported());
    }

    private static int orDefault(Integer value, int fallback) {
        if (value != null && value < 0) {
            throw new BadRequestException("weight and limits cannot be negative");
        }
        return value == null ? fallback : value;
    }
}

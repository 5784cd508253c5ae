package io.switchboard.runtime.mcp;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.switchboard.api.Problem;
import io.switchboard.auth.BearerTokenRequest;
import io.switchboard.auth.Tokens;
import io.switchboard.runtime.config.RuntimeConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;

/**
 * In front of {@code /mcp}: a request needs an API token of the platform (the same as {@code /api}'s; the MCP server
 * then offers that token's organization's agents), and a request from a browser ({@code Origin} header) needs an
 * allowed origin. Refusals are problem+json.
 */
@ApplicationScoped
public class McpGuard {
    private final List<String> origins;
    private final IdentityProviderManager identities;

    public McpGuard(RuntimeConfig config, IdentityProviderManager identities) {
        this.origins = config.mcp().allowedOrigins().orElse(List.of());
        this.identities = identities;
    }

    void routes(@Observes Router router) {
        router.route("/mcp*").order(-10).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
        if (origin != null && !origins.contains(origin)) {
            refuse(ctx, 403, "Forbidden", "origin " + origin + " may not use this MCP server");
            return;
        }
        String token = Tokens.fromAuthorization(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
        if (token == null) {
            unauthorized(ctx, "an API token is required (Authorization: Bearer <token>)");
            return;
        }
        ctx.request().pause(); // the body must wait for the MCP handler while the token is checked
        identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(new BearerTokenRequest(token), ctx))
                .subscribe().with(identity -> {
                    QuarkusHttpUser.setIdentity(identity, ctx);
                    ctx.request().resume();
                    ctx.next();
                }, failure -> {
                    ctx.request().resume();
                    unauthorized(ctx, "the token is unknown, expired or revoked");
                });
    }

    private static void unauthorized(RoutingContext ctx, String detail) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer");
        refuse(ctx, 401, "Unauthorized", detail);
    }

    private static void refuse(RoutingContext ctx, int status, String title, String detail) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/problem+json")
                .end(io.vertx.core.json.Json.encode(new Problem.Body("about:blank", title, status, detail,
                        ctx.request().path())));
    }
}

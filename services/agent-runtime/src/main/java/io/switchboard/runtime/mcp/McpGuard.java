package io.switchboard.runtime.mcp;

import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.api.Problem;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * In front of {@code /mcp}: a request needs one of the configured bearer tokens ({@code runtime.mcp.tokens}), and a
 * request from a browser ({@code Origin} header) needs an allowed origin. Refusals are problem+json.
 */
@ApplicationScoped
public class McpGuard {
    private final List<byte[]> tokens;
    private final List<String> origins;

    public McpGuard(RuntimeConfig config) {
        this.tokens = config.mcp().tokens().orElse(List.of()).stream().map(String::strip).filter(t -> !t.isEmpty())
                .map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
        this.origins = config.mcp().allowedOrigins().orElse(List.of());
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
        String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                || !known(authorization.substring(7).strip())) {
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
            refuse(ctx, 401, "Unauthorized", tokens.isEmpty()
                    ? "the MCP server takes no requests until SWITCHBOARD_MCP_TOKENS is set"
                    : "a valid bearer token is required (Authorization: Bearer ...)");
            return;
        }
        ctx.next();
    }

    /** Constant-time comparison against every token, so timing says nothing about how close a guess was. */
    private boolean known(String presented) {
        byte[] given = presented.getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (byte[] token : tokens) {
            match |= MessageDigest.isEqual(token, given);
        }
        return match;
    }

    private static void refuse(RoutingContext ctx, int status, String title, String detail) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/problem+json")
                .end(io.vertx.core.json.Json.encode(new Problem.Body("about:blank", title, status, detail,
                        ctx.request().path())));
    }
}

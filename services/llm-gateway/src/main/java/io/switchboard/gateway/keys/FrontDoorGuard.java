package io.switchboard.gateway.keys;

import io.smallrye.mutiny.Uni;
import io.switchboard.auth.IdentitySchema;
import io.switchboard.gateway.config.GatewayConfig;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

/** Admits front-door requests by their virtual API key ({@code Authorization: Bearer ...} or {@code x-api-key}). */
@ApplicationScoped
public class FrontDoorGuard {
    private final ApiKeys keys;
    private final boolean required;

    public FrontDoorGuard(ApiKeys keys, GatewayConfig config) {
        this.keys = keys;
        this.required = config.auth().requireApiKey();
    }

    public Uni<ApiKeys.Check> admit(RoutingContext ctx) {
        String presented = ctx.request().getHeader("x-api-key");
        String authorization = ctx.request().getHeader("Authorization");
        if (presented == null && authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = authorization.substring(7).strip();
        }
        if (!required && (presented == null || !presented.startsWith(ApiKeys.PREFIX))) {
            // keys not required (gateway.auth.require-api-key=false): keyless calls are the default organization's
            return Uni.createFrom().item(new ApiKeys.Check(null, IdentitySchema.DEFAULT_ORG, false, null));
        }
        return keys.admit(presented);
    }
}

package io.switchboard.admin.client;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.BearerTokenIdentityProvider;
import io.switchboard.auth.Caller;
import io.switchboard.auth.CallerLookup;
import io.switchboard.auth.Role;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

/**
 * admin-ui keeps no data: who holds a sign-in cookie is asked of agent-runtime ({@code GET /api/me} with the token),
 * which checks it as every service does. The answer is remembered as long as the token check itself is.
 */
@ApplicationScoped
public class RuntimeCallers implements CallerLookup {
    private static final Logger LOG = Logger.getLogger(RuntimeCallers.class);
    private static volatile long lastFailureLog;
    private final RuntimeClient runtime;
    /** Kept longer than the token check is remembered, so a page never finds the check but not the profile. */
    private final Cache<String, RuntimeClient.Me> profiles = Caffeine.newBuilder()
            .expireAfterWrite(BearerTokenIdentityProvider.REMEMBERED.multipliedBy(12)).maximumSize(10_000).build();

    public RuntimeCallers(@RestClient RuntimeClient runtime) {
        this.runtime = runtime;
    }

    @Override
    public Uni<Caller> lookup(String token) {
        return runtime.me("Bearer " + token).map(me -> {
            profiles.put(token, me);
            return new Caller(me.orgId(), Role.parse(me.role()), me.tokenId(), me.userId(), me.subject(),
                    me.platformAdmin(), token);
        }).onFailure(e -> e instanceof WebApplicationException web && web.getResponse().getStatus() == 401)
                .recoverWithNull()
                .onFailure().transform(e -> {
                    // its address and the client's method go to the log, not to a caller not yet known
                    long now = System.currentTimeMillis();
                    if (now - lastFailureLog > 60_000) { // once a minute: an outage fails every page
                        lastFailureLog = now;
                        LOG.warnf("agent-runtime could not be asked who holds a sign-in: %s", e.getMessage());
                    }
                    return new Problem(503, "Service Unavailable",
                            "agent-runtime, which checks sign-ins, cannot be asked right now; try again in a moment");
                });
    }

    /** Forgets what the runtime said of the token (its sign-in moved or ended). */
    public void forget(String token) {
        profiles.invalidate(token);
    }

    /** What the runtime said of the token when it was last checked (for the page's header), or null. */
    public RuntimeClient.Me profile(String token) {
        return profiles.getIfPresent(token);
    }
}

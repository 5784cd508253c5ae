package io.switchboard.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * Turns a bearer token into a security identity: the {@link Caller} as principal, its role and the roles below it.
 * A token seen in the last few seconds is not looked up again, so a revoked token may still work that long.
 */
@ApplicationScoped
public class BearerTokenIdentityProvider implements IdentityProvider<BearerTokenRequest> {
    public static final Duration REMEMBERED = Duration.ofSeconds(5);

    private final CallerLookup callers;
    private final Cache<String, Caller> recent = Caffeine.newBuilder()
            .expireAfterWrite(REMEMBERED).maximumSize(10_000).build();

    BearerTokenIdentityProvider(CallerLookup callers) {
        this.callers = callers;
    }

    @Override
    public Class<BearerTokenRequest> getRequestType() {
        return BearerTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(BearerTokenRequest request, AuthenticationRequestContext context) {
        Caller known = recent.getIfPresent(request.token());
        Uni<Caller> caller = known != null ? Uni.createFrom().item(known) : callers.lookup(request.token())
                .invoke(found -> {
                    if (found != null) {
                        recent.put(request.token(), found);
                    }
                });
        return caller.map(found -> {
            if (found == null) {
                throw new AuthenticationFailedException("the token is unknown, expired or revoked");
            }
            return identity(found);
        });
    }

    public static SecurityIdentity identity(Caller caller) {
        QuarkusSecurityIdentity.Builder identity = QuarkusSecurityIdentity.builder().setPrincipal(caller)
                .addRoles(caller.role().granted());
        if (caller.platformAdmin()) {
            identity.addRole(Role.PLATFORM_ADMIN);
        }
        return identity.build();
    }

    /** Forgets what the token was (it was moved to another organization, or ended, through this replica). */
    public void forget(String token) {
        recent.invalidate(token);
    }

    /** Forget every remembered token at once (after a revocation made here, so this replica stops at once). */
    public void forgetAll() {
        recent.invalidateAll();
    }
}

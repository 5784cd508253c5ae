package io.switchboard.auth;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * {@code Authorization: Bearer <token>}, or (admin-ui only) the sign-in cookie holding the same kind of token. A request
 * without either is anonymous and gets as far as its endpoint allows: every {@code /api} endpoint wants a role.
 */
@ApplicationScoped
public class BearerTokenMechanism implements HttpAuthenticationMechanism {
    private final String cookie;

    BearerTokenMechanism(@ConfigProperty(name = "switchboard.auth.cookie", defaultValue = "-") String cookie) {
        this.cookie = cookie;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        String token = Tokens.fromAuthorization(context.request().getHeader("Authorization"));
        if (token == null && !"-".equals(cookie)) {
            Cookie signedIn = context.request().getCookie(cookie);
            token = signedIn == null || signedIn.getValue().isBlank() ? null : signedIn.getValue();
        }
        if (token == null) {
            return Uni.createFrom().nullItem(); // anonymous
        }
        return identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(new BearerTokenRequest(token),
                context));
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(BearerTokenRequest.class);
    }
}

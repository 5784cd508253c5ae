package io.switchboard.runtime.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.switchboard.auth.IdentitySchema;
import io.switchboard.auth.Role;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.HttpsJwks;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.HttpsJwksVerificationKeyResolver;

/**
 * Sign-in through an OpenID Connect provider (Keycloak, Entra ID, Okta, Google...). admin-ui runs the browser's
 * authorization code flow (quarkus-oidc) and hands the ID token over; the runtime checks it again itself (signature
 * against the provider's published keys, issuer, audience = the client id, expiry; jose4j), as it trusts no caller for
 * being on its network. People are known by issuer and subject; someone new joins
 * {@code switchboard.oidc.new-people-org} with {@code switchboard.oidc.new-people-role} ({@code none} turns them away
 * until an owner adds them).
 */
@ApplicationScoped
public class OidcSignIn {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Optional<String> issuer;
    private final Optional<String> clientId;
    private final String newPeopleRole;
    private final UUID newPeopleOrg;
    private final Accounts accounts;
    private volatile JwtConsumer consumer;

    public OidcSignIn(@ConfigProperty(name = "switchboard.oidc.issuer") Optional<String> issuer,
                      @ConfigProperty(name = "switchboard.oidc.client-id") Optional<String> clientId,
                      @ConfigProperty(name = "switchboard.oidc.new-people-role", defaultValue = "viewer")
                      String newPeopleRole,
                      @ConfigProperty(name = "switchboard.oidc.new-people-org", defaultValue = IdentitySchema.DEFAULT_ORG_ID)
                      UUID newPeopleOrg, Accounts accounts) {
        this.issuer = issuer.map(String::strip).filter(s -> !s.isEmpty()).map(OidcSignIn::withoutSlash);
        this.clientId = clientId.map(String::strip).filter(s -> !s.isEmpty());
        this.newPeopleRole = newPeopleRole.strip().toLowerCase(Locale.ROOT);
        this.newPeopleOrg = newPeopleOrg;
        this.accounts = accounts;
        if (!this.newPeopleRole.equals("none") && Role.parse(this.newPeopleRole) == null) {
            // a typo fails the start, not the first sign-in
            throw new IllegalArgumentException("switchboard.oidc.new-people-role: " + newPeopleRole
                    + " is none, viewer, operator, admin or owner");
        }
    }

    public boolean enabled() {
        return issuer.isPresent() && clientId.isPresent();
    }

    /** Why an ID token was not taken. */
    public static final class Refused extends RuntimeException {
        public final int status;

        Refused(int status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    /** Signs in the person the ID token names; fails with {@link Refused} when the token or the person is not taken. */
    public Uni<Accounts.SignedIn> signIn(String idToken) {
        if (!enabled()) {
            return Uni.createFrom().failure(new Refused(409, "sign-in through OpenID Connect is not configured"
                    + " (SWITCHBOARD_OIDC_ISSUER, SWITCHBOARD_OIDC_CLIENT_ID)"));
        }
        // the provider's keys may be fetched: off the event loop
        return Uni.createFrom().item(() -> claims(idToken)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .flatMap(claims -> {
                    String subject;
                    String name;
                    try {
                        subject = claims.getIssuer() + "|" + claims.getSubject();
                        name = firstOf(claims.getStringClaimValue("preferred_username"),
                                claims.getStringClaimValue("email"), claims.getSubject());
                    } catch (Exception e) {
                        throw new Refused(401, "the ID token lacks its subject");
                    }
                    Role role = newPeopleRole.equals("none") ? null : Role.parse(newPeopleRole);
                    return accounts.signInOidc(subject, name, newPeopleOrg, role);
                })
                .map(signed -> {
                    if (signed == null) {
                        throw new Refused(403, "you are not a member of any organization here yet: ask an owner to"
                                + " add you");
                    }
                    return signed;
                });
    }

    private JwtClaims claims(String idToken) {
        try {
            return consumer().processToClaims(idToken);
        } catch (InvalidJwtException e) {
            throw new Refused(401, "the ID token is not valid here: " + e.getMessage());
        }
    }

    /** Built on first use from the provider's discovery document, so the provider need not be up when we start. */
    private JwtConsumer consumer() {
        JwtConsumer known = consumer;
        if (known != null) {
            return known;
        }
        String configured = issuer.orElseThrow();
        JsonNode discovery;
        try {
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(configured + "/.well-known/openid-configuration")).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 200) {
                throw new IllegalStateException("the provider's discovery document answered " + answer.statusCode());
            }
            discovery = JSON.readTree(answer.body());
        } catch (Exception e) {
            throw new Refused(503, "the OpenID Connect provider cannot be reached: " + e.getMessage());
        }
        if (!withoutSlash(discovery.path("issuer").asText()).equals(configured)) {
            throw new Refused(503, "the provider at " + configured + " says its issuer is "
                    + discovery.path("issuer").asText());
        }
        HttpsJwks keys = new HttpsJwks(discovery.path("jwks_uri").asText());
        JwtConsumer built = new JwtConsumerBuilder()
                .setRequireExpirationTime().setRequireIssuedAt().setRequireSubject().setAllowedClockSkewInSeconds(60)
                .setExpectedIssuer(discovery.path("issuer").asText()).setExpectedAudience(clientId.orElseThrow())
                .setVerificationKeyResolver(new HttpsJwksVerificationKeyResolver(keys))
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                        AlgorithmIdentifiers.RSA_USING_SHA256, AlgorithmIdentifiers.RSA_USING_SHA384,
                        AlgorithmIdentifiers.RSA_USING_SHA512, AlgorithmIdentifiers.RSA_PSS_USING_SHA256,
                        AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256,
                        AlgorithmIdentifiers.ECDSA_USING_P384_CURVE_AND_SHA384)
                .build();
        consumer = built;
        return built;
    }

    private static String withoutSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static String firstOf(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }
}

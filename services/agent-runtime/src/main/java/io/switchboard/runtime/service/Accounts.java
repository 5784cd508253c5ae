package io.switchboard.runtime.service;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.switchboard.auth.IdentitySchema;
import io.switchboard.auth.Role;
import io.switchboard.auth.Tokens;
import io.switchboard.runtime.repository.AccountRepository.Membership;
import io.switchboard.runtime.repository.AccountRepository.User;
import io.switchboard.runtime.repository.AccountRepository;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.springframework.security.crypto.argon2.Argon2PasswordEncoder;

/**
 * People signing in: passwords hashed with Argon2id (Spring Security's encoder, Bouncy Castle's Argon2; about 16 MiB
 * and tens of milliseconds per hash, so always off the event loop), sign-in sessions that are tokens like any other,
 * and the platform's first administrator.
 */
@ApplicationScoped
public class Accounts {
    private static final Logger LOG = Logger.getLogger(Accounts.class);
    public static final Duration SIGN_IN_LASTS = Duration.ofHours(12);
    public static final int MIN_PASSWORD = 12;
    /** The platform's first administrator's name, which no one else may take. */
    public static final String ADMIN = "admin";

    static final Argon2PasswordEncoder PASSWORDS = Argon2PasswordEncoder.defaultsForSpringSecurity_v5_8();
    /**
     * Compared against when there is no such user, so a wrong name takes as long as a wrong password: a hash of a
     * password nobody has, with the encoder's parameters (made once, not at every start: that took a fifth of the
     * main thread's start-up CPU). {@code AccountsTest} checks the parameters still match the encoder's.
     */
    static final String DECOY = "$argon2id$v=19$m=16384,t=2,p=1$OvvwXiHhJCkxCPx6BSiCfQ"
            + "$bFeKkpZoQq57GmdzHm2Vem9bX6HO4kTaRb1hghPAavs";
    private final AccountRepository store;

    public Accounts(AccountRepository store) {
        this.store = store;
    }

    /** A sign-in that worked: the session token (for the cookie), the organization it starts in, and when it ends. */
    public record SignedIn(String token, UUID orgId, Instant expiresAt, User user) {
    }

    /** Runs after the identity schema's migration: the first administrator, when configured and not there yet. */
    void bootstrap(@Observes @Priority(20) StartupEvent start,
                   @ConfigProperty(name = "switchboard.bootstrap.admin-password") Optional<String> password) {
        if (password.isEmpty() || password.get().isBlank()) {
            return;
        }
        store.user(ADMIN).flatMap(existing -> existing != null ? Uni.createFrom().item(existing)
                        : hash(password.get().strip()).flatMap(hash -> store.ensureUser(ADMIN, hash, true))
                        .invoke(made -> LOG.info("made the platform's first administrator, user admin")))
                .invoke(admin -> {
                    if (!admin.platformAdmin()) { // made by someone else before the bootstrap: not to be trusted
                        throw new IllegalStateException("a user named admin exists and is not the platform's"
                                + " administrator; remove it or start without SWITCHBOARD_ADMIN_PASSWORD");
                    }
                })
                .call(admin -> store.memberships(admin.id()).flatMap(orgs -> orgs.isEmpty()
                        ? store.putMember(IdentitySchema.DEFAULT_ORG, admin.id(), Role.OWNER)
                        : Uni.createFrom().voidItem()))
                .await().atMost(Duration.ofSeconds(30));
    }

    /** Null when the name or the password is wrong, or the person belongs to no organization. */
    public Uni<SignedIn> signIn(String username, String password) {
        return store.user(username).flatMap(user -> verify(password, user == null ? null : user.passwordHash())
                .flatMap(matches -> matches ? startSession(user) : Uni.createFrom().nullItem()));
    }

    /**
     * Signs in the person an OpenID Connect provider vouched for ({@code subject}: "issuer|sub"). Someone new is made
     * (named {@code name}, or with a number after it when the name is taken) and joins {@code org} with {@code role};
     * null role: someone new is not taken. Null when the person belongs to no organization.
     */
    public Uni<SignedIn> signInOidc(String subject, String name, UUID org, Role role) {
        return store.oidcUser(subject).flatMap(known -> {
            if (known != null) {
                return startSession(known);
            }
            if (role == null) {
                return Uni.createFrom().nullItem();
            }
            return store.createOidcUser(usable(name), subject)
                    .call(made -> store.memberships(made.id()).flatMap(orgs -> orgs.isEmpty()
                            ? store.putMember(org, made.id(), role) : Uni.createFrom().voidItem()))
                    .invoke(made -> LOG.infof("%s signed in through OpenID Connect for the first time: user %s, %s"
                            + " of organization %s", subject, made.username(), role.wireName(), org))
                    .flatMap(this::startSession);
        });
    }

    /** A user name made of what the provider calls the person: the characters names may hold, never admin. */
    static String usable(String name) {
        String cleaned = name == null ? "" : name.replaceAll("[^A-Za-z0-9_.@-]", "");
        cleaned = cleaned.substring(0, Math.min(cleaned.length(), 90));
        return cleaned.isEmpty() || cleaned.equals(ADMIN) ? "sso-user" : cleaned;
    }

    /** A session in the person's first organization; null when they belong to none. */
    private Uni<SignedIn> startSession(User user) {
        return store.memberships(user.id()).flatMap(orgs -> {
            if (orgs.isEmpty()) {
                return Uni.createFrom().nullItem();
            }
            String token = Tokens.newToken();
            Instant until = Instant.now().plus(SIGN_IN_LASTS);
            UUID org = orgs.get(0).orgId();
            return store.createSession(org, user.id(), user.username(), token, until)
                    .replaceWith(new SignedIn(token, org, until, user));
        });
    }

    public Uni<List<Membership>> memberships(UUID userId) {
        return store.memberships(userId);
    }

    public Uni<String> hash(String password) {
        return Uni.createFrom().item(() -> PASSWORDS.encode(password))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** Whether the password matches the hash; with no hash, the decoy's (false, in as much time). */
    private Uni<Boolean> verify(String password, String hash) {
        return Uni.createFrom().item(() -> {
            if (hash == null) {
                PASSWORDS.matches(password, DECOY); // as long as a wrong password takes
                return false;
            }
            return PASSWORDS.matches(password, hash);
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}

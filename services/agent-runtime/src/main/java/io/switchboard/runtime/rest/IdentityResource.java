package io.switchboard.runtime.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.AuditTrail;
import io.switchboard.auth.BearerTokenIdentityProvider;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.auth.SignInThrottle;
import io.switchboard.auth.Tokens;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.repository.AccountRepository.Member;
import io.switchboard.runtime.repository.AccountRepository.Membership;
import io.switchboard.runtime.repository.AccountRepository.Org;
import io.switchboard.runtime.repository.AccountRepository.TokenInfo;
import io.switchboard.runtime.repository.AccountRepository;
import io.switchboard.runtime.service.Accounts;
import io.switchboard.runtime.service.OidcSignIn;
import io.switchboard.traces.ContentCapture;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Organizations, API tokens, members and signing in. Tokens are shown once, when made; only their hashes are kept.
 * Owners manage members and tokens; a token is never given a higher role than its maker has.
 */
@Path("/api")
public class IdentityResource {
    static final int MAX_NAME = 100;

    private final AccountRepository store;
    private final Accounts accounts;
    private final SignInThrottle throttle;
    private final OidcSignIn oidc;
    private final BearerTokenIdentityProvider identities;
    private final ContentCapture capture;

    public IdentityResource(AccountRepository store, Accounts accounts, BearerTokenIdentityProvider identities,
                            RuntimeConfig config, OidcSignIn oidc, ContentCapture capture) {
        this.oidc = oidc;
        this.capture = capture;
        // the addresses here are those that call the runtime: for sign-ins through the UI, admin-ui's own
        this.throttle = new SignInThrottle(config.signIn().failuresPerName(), config.signIn().failuresPerAddress());
        this.store = store;
        this.accounts = accounts;
        this.identities = identities;
    }

    public record NewOrg(String name) {
    }

    /** What changes in the caller's organization: a field left out stays as it is. */
    public record OrgChange(String name, Boolean captureContent) {
    }

    /** A new organization and its first token, an owner's (shown only now). */
    public record OrgCreated(UUID id, String name, String token) {
    }

    public record NewToken(String name, String role, Integer expiresInDays) {
    }

    /** A new token: {@code token} is shown only now. */
    public record TokenCreated(UUID id, String name, String role, Instant expiresAt, String token) {
    }

    /** Who the caller is, in which organization, with which role; for a person, every organization they are in. */
    public record Me(String subject, UUID orgId, String orgName, String role, boolean platformAdmin, UUID userId,
                     UUID tokenId, List<Membership> orgs) {
    }

    public record SignIn(String username, String password) {
    }

    /** An ID token from the OpenID Connect provider, as admin-ui got it at the end of the browser's sign-in. */
    public record OidcSignInBody(String idToken) {
    }

    public record SignedIn(String token, UUID orgId, Instant expiresAt) {
    }

    public record SwitchOrg(String orgId) {
    }

    /** Where a sign-in was moved: only that organization (the person's others are not the old one's business). */
    public record Switched(UUID orgId, String orgName, String role) {
    }

    /** {@code password} makes the person when there is no one of that name yet (then at least 12 characters). */
    public record NewMember(String username, String password, String role) {
    }

    public record MemberRole(String role) {
    }

    @POST
    @Path("/orgs")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.PLATFORM_ADMIN)
    public Uni<Response> createOrg(NewOrg body, SecurityContext security) {
        String name = name(body == null ? null : body.name(), "name");
        String token = Tokens.newToken();
        return store.createOrg(name, token, Caller.of(security).subject())
                .map(org -> Response.status(201).entity(new OrgCreated(org.id(), org.name(), token)).build());
    }

    /** The caller's organization and its settings. */
    @GET
    @Path("/org")
    @RolesAllowed(Role.VIEWER_NAME)
    public Uni<Org> org(SecurityContext security) {
        return store.org(Caller.of(security).orgId());
    }

    /**
     * Renames the caller's organization or sets whether it captures content: the spans of all its agents' and keys'
     * model and tool calls then carry what those calls were sent and answered (every replica within seconds).
     */
    @PATCH
    @Path("/org")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.OWNER_NAME)
    public Uni<Org> changeOrg(OrgChange body, SecurityContext security) {
        if (body == null || body.name() == null && body.captureContent() == null) {
            throw Problem.badRequest("a JSON body with name or captureContent (or both) is required");
        }
        String name = body.name() == null ? null : name(body.name(), "name");
        UUID org = Caller.of(security).orgId();
        return store.updateOrg(org, name, body.captureContent()).invoke(changed -> {
            if (body.captureContent() != null) {
                capture.changed(org, changed.captureContent());
            }
        });
    }

    @GET
    @Path("/me")
    @RolesAllowed(Role.VIEWER_NAME)
    public Uni<Me> me(SecurityContext security) {
        Caller caller = Caller.of(security);
        Uni<List<Membership>> orgs = caller.userId() == null ? Uni.createFrom().item(List.of())
                : accounts.memberships(caller.userId());
        return store.org(caller.orgId()).flatMap(org -> orgs.map(all -> new Me(caller.subject(), caller.orgId(),
                org == null ? null : org.name(), caller.role().wireName(), caller.platformAdmin(), caller.userId(),
                caller.tokenId(), all)));
    }

    @POST
    @Path("/tokens")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.OWNER_NAME)
    public Uni<Response> createToken(NewToken body, SecurityContext security) {
        Caller caller = Caller.of(security);
        if (body == null) {
            throw Problem.badRequest("a JSON body with name and role is required");
        }
        String name = name(body.name(), "name");
        Role role = role(body.role());
        if (!caller.role().includes(role)) {
            throw new Problem(403, "Forbidden", "a token cannot have a higher role than yours ("
                    + caller.role().wireName() + ")");
        }
        if (body.expiresInDays() != null && (body.expiresInDays() < 1 || body.expiresInDays() > 3650)) {
            throw Problem.badRequest("expiresInDays must be between 1 and 3650");
        }
        Instant expires = body.expiresInDays() == null ? null
                : Instant.now().plus(Duration.ofDays(body.expiresInDays()));
        String token = Tokens.newToken();
        return store.createToken(caller.orgId(), name, role, expires, token, caller.subject(), caller.userId())
                .map(made -> Response.status(201).entity(new TokenCreated(made.id(), made.name(), made.role(),
                        made.expiresAt(), token)).build());
    }

    @GET
    @Path("/tokens")
    @RolesAllowed(Role.OWNER_NAME)
    public Uni<List<TokenInfo>> tokens(SecurityContext security) {
        return store.tokens(Caller.of(security).orgId());
    }

    /** Revokes the token: it stops working on every replica within a few seconds (at once on this one). */
    @DELETE
    @Path("/tokens/{id}")
    @RolesAllowed(Role.OWNER_NAME)
    public Uni<Response> revoke(@PathParam("id") String id, SecurityContext security) {
        return store.revoke(Caller.of(security).orgId(), Ids.parse(id, "token")).map(revoked -> {
            if (!revoked) {
                throw Problem.notFound("token " + id + " does not exist");
            }
            identities.forgetAll();
            return Response.noContent().build();
        });
    }

    /** Signs a person in: a session token (admin-ui keeps it in a cookie), in their first organization. */
    @POST
    @Path("/auth/sign-in")
    @Consumes(MediaType.APPLICATION_JSON)
    @PermitAll
    public Uni<SignedIn> signIn(SignIn body, RoutingContext request) {
        if (body == null || body.username() == null || body.password() == null) {
            throw Problem.badRequest("username and password are required");
        }
        if (body.username().length() > MAX_NAME || body.password().length() > 1000) {
            throw Problem.badRequest("username or password is too long");
        }
        String username = body.username().strip();
        String address = request.request().remoteAddress() == null ? "unknown"
                : request.request().remoteAddress().hostAddress();
        Duration wait = throttle.wait(username, address);
        if (!wait.isZero()) {
            throw Problem.tooManyRequests("too many failed sign-ins: try again in " + (wait.toSeconds() + 1)
                    + " s", wait);
        }
        return accounts.signIn(username, body.password()).map(signed -> {
            if (signed == null) {
                throttle.failed(username, address);
                throw new Problem(401, "Unauthorized", "wrong user name or password");
            }
            return answer(signed, request);
        });
    }

    /** The sign-in's answer; its audit entry is the person's, who was no one when the request came. */
    private static SignedIn answer(Accounts.SignedIn signed, RoutingContext request) {
        request.put(AuditTrail.ACTOR, new Caller(signed.orgId(), Role.VIEWER, null, signed.user().id(),
                "user:" + signed.user().username(), false, null));
        return new SignedIn(signed.token(), signed.orgId(), signed.expiresAt());
    }

    /**
     * Signs in a person an OpenID Connect provider vouches for: the ID token is checked here again (signature, issuer,
     * audience, expiry), and someone new is made a member as configured. 401 for a token not taken, 403 for a newcomer
     * not taken, 409 when OIDC is not configured.
     */
    @POST
    @Path("/auth/oidc")
    @Consumes(MediaType.APPLICATION_JSON)
    @PermitAll
    public Uni<SignedIn> signInOidc(OidcSignInBody body, RoutingContext request) {
        if (body == null || body.idToken() == null || body.idToken().isBlank()) {
            throw Problem.badRequest("idToken is required");
        }
        if (body.idToken().length() > 16_384) {
            throw Problem.badRequest("idToken is too long");
        }
        return oidc.signIn(body.idToken().strip())
                .onFailure(OidcSignIn.Refused.class).transform(e -> new Problem(((OidcSignIn.Refused) e).status,
                        switch (((OidcSignIn.Refused) e).status) {
                            case 401 -> "Unauthorized";
                            case 403 -> "Forbidden";
                            case 409 -> "Conflict";
                            default -> "Service Unavailable";
                        }, e.getMessage()))
                .map(signed -> answer(signed, request));
    }

    /** Ends the caller's sign-in (a session token only; API tokens are revoked with DELETE /api/tokens/{id}). */
    @POST
    @Path("/auth/sign-out")
    @RolesAllowed(Role.VIEWER_NAME)
    public Uni<Response> signOut(SecurityContext security) {
        Caller caller = Caller.of(security);
        if (caller.userId() == null) {
            throw Problem.badRequest("this is an API token, not a sign-in: revoke it with DELETE /api/tokens/{id}");
        }
        return store.endSession(caller.tokenId(), caller.userId()).invoke(identities::forgetAll)
                .map(x -> Response.noContent().build());
    }

    /** Moves the caller's sign-in to another of their organizations. */
    @POST
    @Path("/auth/org")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.VIEWER_NAME)
    public Uni<Switched> switchOrg(SwitchOrg body, SecurityContext security) {
        Caller caller = Caller.of(security);
        if (body == null || body.orgId() == null) {
            throw Problem.badRequest("orgId is required");
        }
        UUID org = Ids.parseOr(body.orgId(), () -> Problem.badRequest("orgId: not an organization id"));
        if (caller.userId() == null) {
            throw Problem.badRequest("an API token belongs to one organization: orgId is its own");
        }
        return store.switchSession(caller.tokenId(), caller.userId(), org).flatMap(switched -> {
            if (!switched) {
                throw Problem.notFound("organization " + org + " does not exist");
            }
            identities.forgetAll();
            return store.org(org).flatMap(found -> accounts.memberships(caller.userId()).map(all -> new Switched(org,
                    found.name(), all.stream().filter(m -> m.orgId().equals(org)).map(Membership::role).findFirst()
                            .orElse(null))));
        });
    }

    @GET
    @Path("/members")
    @RolesAllowed(Role.VIEWER_NAME)
    public Uni<List<Member>> members(SecurityContext security) {
        return store.members(Caller.of(security).orgId());
    }

    /** Adds a person (made now when new, with the password given) to the caller's organization. */
    @POST
    @Path("/members")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.OWNER_NAME)
    public Uni<Response> addMember(NewMember body, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        if (body == null) {
            throw Problem.badRequest("a JSON body with username and role is required");
        }
        String username = name(body.username(), "username");
        if (!username.matches("[A-Za-z0-9_.@-]+")) {
            throw Problem.badRequest("username may hold letters, digits and _ . @ - only");
        }
        if (username.equals(Accounts.ADMIN) && body.password() != null) {
            throw Problem.badRequest("admin is the platform's first administrator, made by ./switchboard up:"
                    + " choose another name (admin can be added without a password)");
        }
        Role role = role(body.role());
        if (body.password() != null && body.password().length() < Accounts.MIN_PASSWORD) {
            throw Problem.badRequest("password must be at least " + Accounts.MIN_PASSWORD + " characters");
        }
        return store.user(username).flatMap(existing -> {
            if (existing != null) {
                return Uni.createFrom().item(existing);
            }
            if (body.password() == null) {
                throw Problem.badRequest("there is no user " + username + ": give a password to make one");
            }
            return accounts.hash(body.password()).flatMap(hash -> store.ensureUser(username, hash, false));
        }).call(user -> store.putMember(org, user.id(), role))
                .map(user -> Response.status(201).entity(new Member(user.id(), user.username(), role.wireName(),
                        Instant.now())).build());
    }

    @PUT
    @Path("/members/{userId}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.OWNER_NAME)
    public Uni<List<Member>> changeRole(@PathParam("userId") String userId, MemberRole body,
                                        SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        UUID user = Ids.parse(userId, "user");
        Role role = role(body == null ? null : body.role());
        return memberOrNotFound(org, user).call(member -> role != Role.OWNER && Role.OWNER_NAME.equals(member.role())
                        ? lastOwnerCheck(org) : Uni.createFrom().voidItem())
                .call(member -> store.putMember(org, user, role)).invoke(identities::forgetAll)
                .flatMap(x -> store.members(org));
    }

    @DELETE
    @Path("/members/{userId}")
    @RolesAllowed(Role.OWNER_NAME)
    public Uni<Response> removeMember(@PathParam("userId") String userId, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        UUID user = Ids.parse(userId, "user");
        return memberOrNotFound(org, user).call(member -> Role.OWNER_NAME.equals(member.role())
                        ? lastOwnerCheck(org) : Uni.createFrom().voidItem())
                .call(member -> store.removeMember(org, user)).invoke(identities::forgetAll)
                .map(x -> Response.noContent().build());
    }

    private Uni<Member> memberOrNotFound(UUID org, UUID user) {
        return store.members(org).map(all -> all.stream().filter(m -> m.userId().equals(user)).findFirst()
                .orElseThrow(() -> Problem.notFound("user " + user + " is not a member")));
    }

    private Uni<Void> lastOwnerCheck(UUID org) {
        return store.owners(org).map(owners -> {
            if (owners <= 1) {
                throw Problem.conflict("the organization's last owner cannot leave or stop being an owner");
            }
            return null;
        });
    }

    private static String name(String value, String field) {
        if (value == null || value.isBlank()) {
            throw Problem.badRequest(field + " is required");
        }
        if (value.strip().length() > MAX_NAME) {
            throw Problem.badRequest(field + " is longer than " + MAX_NAME + " characters");
        }
        return value.strip();
    }

    private static Role role(String name) {
        Role role = Role.parse(name);
        if (role == null) {
            throw Problem.badRequest("role must be one of owner, admin, operator, viewer");
        }
        return role;
    }
}

package io.switchboard.admin.rest;

import io.quarkus.oidc.IdToken;
import io.quarkus.oidc.OidcSession;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.RuntimeCallers;
import io.switchboard.admin.client.RuntimeClient;
import io.switchboard.auth.BearerTokenIdentityProvider;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.auth.SignInThrottle;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Signing in and out, and switching organization. A sign-in is agent-runtime's: admin-ui keeps its session token in an
 * HttpOnly, SameSite=Lax cookie (Secure over TLS) and sends it, as a bearer token, with every call it makes for the
 * person.
 */
@Path("/")
@Produces(MediaType.TEXT_HTML)
public class SignInPage {
    /** The cookie holding the sign-in's token (admin-ui's {@code switchboard.auth.cookie}). */
    public static final String COOKIE = "switchboard_session";
    /** What a "then" target may be: a path and query of this site, in plain characters. */
    private static final Pattern LOCAL = Pattern.compile("/[A-Za-z0-9/_.~%?=&+-]*");

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance signIn(String then, String username, String error, String oidc);

        static native TemplateInstance forbidden();
    }

    private final RuntimeClient runtime;
    private final BearerTokenIdentityProvider identities;
    private final RuntimeCallers callers;
    /** Browsers' failed sign-ins, by address (agent-runtime counts user names: it sees only admin-ui's address). */
    private final SignInThrottle throttle;
    /** What the OpenID Connect sign-in is called on the page, or null when it is off. */
    private final String oidc;

    @Inject
    @IdToken
    JsonWebToken idToken;

    @Inject
    OidcSession oidcSession;

    public SignInPage(@RestClient RuntimeClient runtime, BearerTokenIdentityProvider identities,
                      RuntimeCallers callers,
                      @ConfigProperty(name = "switchboard.sign-in.failures-per-address", defaultValue = "20")
                      int failuresPerAddress,
                      @ConfigProperty(name = "switchboard.oidc.enabled", defaultValue = "false") boolean oidcEnabled,
                      @ConfigProperty(name = "switchboard.oidc.label", defaultValue = "single sign-on")
                      String oidcLabel) {
        this.oidc = oidcEnabled ? oidcLabel : null;
        this.runtime = runtime;
        this.identities = identities;
        this.callers = callers;
        this.throttle = new SignInThrottle(0, failuresPerAddress);
    }

    @GET
    @Path("sign-in")
    @PermitAll
    public TemplateInstance form(@QueryParam("then") String then) {
        return Templates.signIn(local(then), "", null, oidc);
    }

    @POST
    @Path("sign-in")
    @PermitAll
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> signIn(@RestForm String username, @RestForm String password, @RestForm String then,
                                @Context UriInfo uri, @Context HttpServerRequest request) {
        String target = local(then);
        // behind a proxy, the browser's address when quarkus.http.proxy.proxy-address-forwarding trusts the proxy
        String address = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        Duration wait = throttle.wait(null, address);
        if (!wait.isZero()) {
            return Uni.createFrom().item(Response.status(429).header("Retry-After", wait.toSeconds() + 1)
                    .entity(Templates.signIn(target, username, "Too many failed sign-ins from here: try again in "
                            + (wait.toSeconds() + 1) + " seconds.", oidc)).build());
        }
        return runtime.signIn(new RuntimeClient.SignIn(username == null ? "" : username, password == null ? ""
                        : password))
                .map(signed -> Response.seeOther(URI.create(target))
                        .cookie(cookie(signed.token(), Duration.between(Instant.now(), signed.expiresAt()), uri))
                        .build())
                .onFailure().recoverWithItem(e -> {
                    if (Problems.status(e) == 401) {
                        throttle.failed(null, address);
                    }
                    return Response.status(Problems.status(e))
                            .entity(Templates.signIn(target, username, Problems.describe(e), oidc)).build();
                });
    }

    /**
     * The end of a sign-in through the OpenID Connect provider: quarkus-oidc ran the authorization code flow to get
     * here (this path only), and agent-runtime checks the ID token again and answers with a sign-in like a password's.
     * The provider's session cookie is dropped: from here on the person is signed in as with a password.
     */
    @GET
    @Path("sign-in/oidc")
    @Authenticated
    public Uni<Response> signedInThroughOidc(@Context UriInfo uri) {
        return runtime.signInOidc(new RuntimeClient.OidcSignIn(idToken.getRawToken()))
                .eventually(() -> oidcSession.logout())
                .map(signed -> Response.seeOther(URI.create("/agents"))
                        .cookie(cookie(signed.token(), Duration.between(Instant.now(), signed.expiresAt()), uri))
                        .build())
                .onFailure().recoverWithItem(e -> Response.status(Problems.status(e))
                        .entity(Templates.signIn("/agents", "", Problems.describe(e), oidc)).build());
    }

    /** Ends the sign-in at agent-runtime (its token stops working) and forgets the cookie. */
    @POST
    @Path("sign-out")
    @RolesAllowed(Role.VIEWER_NAME)
    public Uni<Response> signOut(SecurityContext security, @Context UriInfo uri) {
        forget(security);
        return runtime.signOut(SignedIn.bearer(security)).onFailure().recoverWithNull()
                .map(x -> Response.seeOther(URI.create("/sign-in")).cookie(cookie("", Duration.ZERO, uri)).build());
    }

    /** Moves the sign-in to another of the person's organizations. */
    @POST
    @Path("org")
    @RolesAllowed(Role.VIEWER_NAME)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> switchOrg(@RestForm String orgId, SecurityContext security) {
        return runtime.switchOrg(SignedIn.bearer(security), new RuntimeClient.SwitchOrg(orgId))
                .invoke(me -> forget(security)) // the next page is the other organization's at once
                .map(me -> Response.seeOther(URI.create("/agents")).build());
    }

    private void forget(SecurityContext security) {
        String token = Caller.of(security).credential();
        identities.forget(token);
        callers.forget(token);
    }

    static NewCookie cookie(String token, Duration lasts, UriInfo uri) {
        return new NewCookie.Builder(COOKIE).value(token).path("/").httpOnly(true)
                .sameSite(NewCookie.SameSite.LAX).secure("https".equals(uri.getRequestUri().getScheme()))
                .maxAge((int) Math.max(0, lasts.toSeconds())).build();
    }

    /** Where to go after signing in: a path of this site only, never another site (an open redirect). */
    static String local(String then) {
        // a path and query of plain characters only: browsers drop tabs and newlines, so "/\t/evil.example" would
        // become "//evil.example"
        if (then == null || !LOCAL.matcher(then).matches() || then.startsWith("//") || then.startsWith("/sign-")) {
            return "/agents";
        }
        return then;
    }
}

package io.switchboard.admin.rest;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.switchboard.api.Problem;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A visitor who is not signed in (or whose sign-in ended) is sent to the sign-in page, and back afterwards; the page's
 * scripts (JSON, event streams) get a 401 problem instead. Ahead of libs/auth's mapper, which answers problems only.
 */
public class SignInRedirect {
    private static final MediaType SSE = MediaType.valueOf(MediaType.SERVER_SENT_EVENTS);

    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response notSignedIn(UnauthorizedException e, ContainerRequestContext request) {
        return toSignIn(request);
    }

    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response signInEnded(AuthenticationFailedException e, ContainerRequestContext request) {
        return toSignIn(request);
    }

    /**
     * A page the person's role may not see: said on a page of its own, not in JSON (a plain one: the header's forms need
     * the CSRF token, which the check that refused comes before).
     */
    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response notAllowed(ForbiddenException e, ContainerRequestContext request) {
        if (!isPage(request)) {
            return new Problem(403, "Forbidden", "your role in this organization may not do this")
                    .toResponse(request.getUriInfo().getPath());
        }
        return Response.status(403).type(MediaType.TEXT_HTML_TYPE).entity(SignInPage.Templates.forbidden()).build();
    }

    /** Whether the request is a browser's for a page, not a script's. */
    static boolean isPage(ContainerRequestContext request) {
        return "GET".equals(request.getMethod()) && request.getAcceptableMediaTypes().stream()
                .anyMatch(type -> type.isCompatible(MediaType.TEXT_HTML_TYPE) && !type.isWildcardType());
    }

    private static Response toSignIn(ContainerRequestContext request) {
        var uri = request.getUriInfo();
        boolean page = isPage(request);
        Response.ResponseBuilder answer;
        if (page) {
            String here = uri.getRequestUri().getRawPath()
                    + (uri.getRequestUri().getRawQuery() == null ? "" : "?" + uri.getRequestUri().getRawQuery());
            answer = Response.seeOther(URI.create("/sign-in?then=" + URLEncoder.encode(here, StandardCharsets.UTF_8)));
        } else if (request.getAcceptableMediaTypes().stream().anyMatch(type -> type.isCompatible(SSE)
                && !type.isWildcardType())) {
            answer = Response.status(401); // an event stream: EventSource reads no body
        } else {
            answer = Response.fromResponse(new Problem(401, "Unauthorized", "sign in first").toResponse(uri.getPath()));
        }
        return answer.cookie(SignInPage.cookie("", Duration.ZERO, uri)).build();
    }
}

package io.switchboard.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.switchboard.api.Problem;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** 401 and 403 as problem+json, like every other error of the APIs. */
public class AuthProblems {
    static final String NO_TOKEN = "this needs an API token: send Authorization: Bearer <token>";
    static final String BAD_TOKEN = "the token is unknown, expired or revoked";

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e, UriInfo uri) {
        return unauthorized(NO_TOKEN, uri);
    }

    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e, UriInfo uri) {
        return unauthorized(BAD_TOKEN, uri);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return new Problem(403, "Forbidden", "your role in this organization may not do this").toResponse(uri.getPath());
    }

    private static Response unauthorized(String detail, UriInfo uri) {
        return Response.fromResponse(new Problem(401, "Unauthorized", detail).toResponse(uri.getPath()))
                .header("WWW-Authenticate", "Bearer").build();
    }
}

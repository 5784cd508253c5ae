package io.switchboard.admin.rest;

import io.switchboard.api.Problem;
import io.switchboard.api.ProblemMapper;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A page that could not be drawn (unknown id, a service refused or is down, a bug): say why, in plain text, with a
 * fitting status. Ahead of libs/api's mappers, which answer problem+json (still the answer to the pages' scripts
 * for what failed unexpectedly).
 */
public class ErrorPages {
    private static final ProblemMapper PROBLEMS = new ProblemMapper();

    /**
     * A call to another service that failed (or JAX-RS's own refusal: no such page, a method not allowed), for a page
     * in plain text, for a script as problem+json: what the service said, never the client's message (which names
     * its class and method). Ahead of libs/api's mapper for the same exception.
     */
    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response failedCall(WebApplicationException e, ContainerRequestContext request) {
        int status = Problems.status(e);
        String detail = Problems.describe(e);
        if (!SignInRedirect.isPage(request)) {
            return new Problem(status, Response.Status.fromStatusCode(status) == null ? "Error"
                    : Response.Status.fromStatusCode(status).getReasonPhrase(), detail)
                    .toResponse(request.getUriInfo().getPath());
        }
        return Response.status(status).type(MediaType.TEXT_PLAIN_TYPE).entity(detail).build();
    }

    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response unexpected(Throwable e, ContainerRequestContext request) {
        Response problem = PROBLEMS.unexpected(e, request.getUriInfo());
        if (!SignInRedirect.isPage(request)) {
            return problem;
        }
        return Response.fromResponse(problem).type(MediaType.TEXT_PLAIN_TYPE)
                .entity(((Problem.Body) problem.getEntity()).detail()).build();
    }
}

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

    @ServerExceptionMapper
    public Response failedCall(WebApplicationException e) {
        return Response.status(Problems.status(e)).type(MediaType.TEXT_PLAIN_TYPE).entity(Problems.describe(e))
                .build();
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

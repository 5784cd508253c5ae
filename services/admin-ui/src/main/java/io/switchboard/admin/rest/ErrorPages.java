package io.switchboard.admin.rest;

import io.switchboard.api.Problem;
import io.switchboard.api.ProblemMapper;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.ClientWebApplicationException;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A page that could not be drawn (unknown id, a service refused or is down, a bug): say why, in plain text, with a
 * fitting status. Ahead of libs/api's mappers, which answer problem+json (still the answer to the pages' scripts
 * for what failed unexpectedly).
 */
public class ErrorPages {
    private static final ProblemMapper PROBLEMS = new ProblemMapper();

    /**
     * A call to another service that failed: what the service said, never the client's message (which names its
     * class and method), a service's 5xx as a 502; or JAX-RS's own refusal (no such page, a method not allowed) as
     * libs/api says it. For a page in plain text, for a script as problem+json. Ahead of libs/api's mapper for the
     * same exception.
     */
    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response failedCall(WebApplicationException e, ContainerRequestContext request) {
        Response problem;
        if (e instanceof ClientWebApplicationException) {
            int status = Problems.status(e);
            Response.Status known = Response.Status.fromStatusCode(status);
            problem = new Problem(status, known == null ? "Error" : known.getReasonPhrase(), Problems.describe(e))
                    .toResponse(request.getUriInfo().getPath());
        } else {
            problem = PROBLEMS.web(e, request.getUriInfo());
        }
        return SignInRedirect.isPage(request) ? asText(problem) : problem;
    }

    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response unexpected(Throwable e, ContainerRequestContext request) {
        Response problem = PROBLEMS.unexpected(e, request.getUriInfo());
        return SignInRedirect.isPage(request) ? asText(problem) : problem;
    }

    /** The problem's detail, for a page: in plain text, with its status and headers (a 503's Retry-After). */
    private static Response asText(Response problem) {
        return Response.fromResponse(problem).type(MediaType.TEXT_PLAIN_TYPE)
                .entity(((Problem.Body) problem.getEntity()).detail()).build();
    }
}

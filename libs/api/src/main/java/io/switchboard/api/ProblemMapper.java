package io.switchboard.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error of the services' APIs leaves as problem+json with a 4xx/5xx status; never a stack trace. */
public class ProblemMapper {

    @ServerExceptionMapper
    public Response problem(Problem problem, UriInfo uri) {
        return problem.toResponse(uri.getPath());
    }

    /**
     * A body that does not parse or does not fit its type, named by field. Quarkus' own mapper for
     * MismatchedInputException (an empty 400) would win over a JsonProcessingException one, being more specific.
     */
    @ServerExceptionMapper({JsonProcessingException.class, MismatchedInputException.class})
    public Response unreadableJson(JsonProcessingException e, UriInfo uri) {
        return Problem.badRequest(ApiInput.describe(e)).toResponse(uri.getPath());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        Throwable cause = e.getCause();
        if (status == 400 && cause instanceof JsonProcessingException json) {
            return unreadableJson(json, uri);
        }
        return new Problem(status, e.getResponse().getStatusInfo().getReasonPhrase(),
                e instanceof NotSupportedException ? ApiInput.JSON_ONLY : e.getMessage()).toResponse(uri.getPath());
    }
}

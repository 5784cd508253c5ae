package io.switchboard.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error of the services' APIs leaves as problem+json with a 4xx/5xx status; never a stack trace. */
public class ProblemMapper {
    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);
    private static volatile long lastOutageLog;

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

    /**
     * Anything else. PostgreSQL (or a service called over HTTP) out of reach is a 503 with {@code Retry-After}, which
     * clients retry; the rest (a statement PostgreSQL refused, a bug) a 500 whose id is in the log. Both problem+json,
     * as Quarkus' own answer for what no other mapper takes is not.
     */
    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri) {
        if (Unavailable.database(e)) {
            long now = System.currentTimeMillis();
            if (now - lastOutageLog > 60_000) { // once a minute: an outage fails every request
                lastOutageLog = now;
                LOG.warnf("%s answered 503, out of reach: %s", uri.getPath(), e.getMessage());
            }
            return Problem.unavailable("a service this one needs (PostgreSQL, or another of the platform's) is out of"
                    + " reach; try again", Unavailable.RETRY_AFTER).toResponse(uri.getPath());
        }
        if (e instanceof RejectedExecutionException) { // the worker pool is full, as Quarkus' own answer says
            return Problem.unavailable("too busy; try again", Unavailable.RETRY_AFTER).toResponse(uri.getPath());
        }
        String id = UUID.randomUUID().toString();
        if (e instanceof IOException) { // the client went away mid-request, most likely: no one to tell
            LOG.debugf(e, "%s failed (error id %s)", uri.getPath(), id);
        } else {
            LOG.errorf(e, "%s failed (error id %s)", uri.getPath(), id);
        }
        return new Problem(500, "Internal Server Error", "an unexpected error (id " + id + " in the service's log)")
                .toResponse(uri.getPath());
    }
}

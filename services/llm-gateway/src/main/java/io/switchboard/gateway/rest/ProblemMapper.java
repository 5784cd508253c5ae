package io.switchboard.gateway.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.switchboard.api.ApiInput;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Errors of the gateway's own API leave as RFC 9457 problem+json (the vendor front doors use the vendors' shapes). */
public class ProblemMapper {

    @ServerExceptionMapper
    public Response problem(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        if (status == 400 && e.getCause() instanceof JsonProcessingException json) {
            return unreadableJson(json, uri);
        }
        return problem(status, e.getResponse().getStatusInfo().getReasonPhrase(),
                e instanceof NotSupportedException ? ApiInput.JSON_ONLY : e.getMessage(), uri.getPath());
    }

    /**
     * A body that does not parse or does not fit its type, named by field. Quarkus' own mapper for
     * MismatchedInputException (an empty 400) would win over a JsonProcessingException one, being more specific.
     */
    @ServerExceptionMapper({JsonProcessingException.class, MismatchedInputException.class})
    public Response unreadableJson(JsonProcessingException e, UriInfo uri) {
        return problem(400, "Bad Request", ApiInput.describe(e), uri.getPath());
    }

    static Response problem(int status, String title, String detail, String instance) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        body.put("detail", ApiInput.cut(detail));
        body.put("instance", instance);
        return Response.status(status).type("application/problem+json").entity(body).build();
    }
}

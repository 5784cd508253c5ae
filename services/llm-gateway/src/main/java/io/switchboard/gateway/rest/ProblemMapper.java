package io.switchboard.gateway.rest;

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
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", e.getResponse().getStatusInfo().getReasonPhrase());
        body.put("status", status);
        body.put("detail", e.getMessage());
        body.put("instance", uri.getPath());
        return Response.status(status).type("application/problem+json").entity(body).build();
    }
}

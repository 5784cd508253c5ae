package io.switchboard.admin.rest;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** A page that could not be drawn (unknown id, a service refused or is down): say why, with a fitting status. */
public class ErrorPages {

    @ServerExceptionMapper
    public Response failedCall(WebApplicationException e) {
        return Response.status(Problems.status(e)).type(MediaType.TEXT_PLAIN_TYPE).entity(Problems.describe(e))
                .build();
    }
}

package io.switchboard.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ContextResolver;
import jakarta.ws.rs.ext.Provider;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The services' API bodies (the records of their {@code rest} packages) and parameters are read as {@link ApiInput}
 * says; everything else (Kafka records, REST clients) keeps the plain mapper.
 */
@Provider
public class StrictJson implements ContextResolver<ObjectMapper> {
    private final ObjectMapper strict;

    public StrictJson(ObjectMapper mapper) {
        strict = ApiInput.strict(mapper);
    }

    @Override
    public ObjectMapper getContext(Class<?> type) {
        return type.getPackageName().startsWith("io.switchboard.") && type.getPackageName().endsWith(".rest")
                ? strict : null;
    }

    /** A path or query parameter PostgreSQL cannot store is a 400 before any resource runs. */
    @ServerRequestFilter
    public Response refuseParameters(UriInfo uri) {
        String refused = ApiInput.refusedParameter(uri.getPathParameters(), uri.getQueryParameters());
        return refused == null ? null : Problem.badRequest(refused).toResponse(uri.getPath());
    }
}

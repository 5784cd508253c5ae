package io.switchboard.admin.client;

import io.quarkus.arc.Arc;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;
import org.eclipse.microprofile.rest.client.ext.ClientHeadersFactory;

/**
 * Tells the service which browser admin-ui calls it for ({@code X-Forwarded-For}), so its audit log records the
 * person's address beside admin-ui's own. (Behind a proxy, admin-ui's view of that address follows Quarkus'
 * {@code quarkus.http.proxy.*} settings.)
 */
@ApplicationScoped
public class ForBrowser implements ClientHeadersFactory {
    private final CurrentVertxRequest current;

    ForBrowser(CurrentVertxRequest current) {
        this.current = current;
    }

    @Override
    public MultivaluedMap<String, String> update(MultivaluedMap<String, String> incoming,
                                                 MultivaluedMap<String, String> outgoing) {
        MultivaluedMap<String, String> headers = new MultivaluedHashMap<>();
        if (!Arc.container().requestContext().isActive()) {
            return headers; // not on a browser's request (a stream reconnecting on its own, say)
        }
        RoutingContext request = current.getCurrent();
        if (request != null && request.request().remoteAddress() != null) {
            headers.putSingle("X-Forwarded-For", request.request().remoteAddress().hostAddress());
        }
        return headers;
    }
}

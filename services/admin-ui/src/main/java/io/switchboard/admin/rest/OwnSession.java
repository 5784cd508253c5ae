package io.switchboard.admin.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.RuntimeClient;
import io.switchboard.admin.messaging.SessionEventHub;
import jakarta.ws.rs.NameBinding;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * On the event stream of session {@code {id}}: it begins only if agent-runtime shows the signed-in person that session
 * (another organization's is a 404 there, and so here) and this replica serves another stream of it (else 429), as a
 * stream cannot answer either once it has begun.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface OwnSession {

    class Check {
        private final RuntimeClient runtime;
        private final SessionEventHub hub;

        Check(@RestClient RuntimeClient runtime, SessionEventHub hub) {
            this.runtime = runtime;
            this.hub = hub;
        }

        @OwnSession
        @ServerRequestFilter(priority = Priorities.USER + 100) // after the parameters are checked (StrictJson)
        public Uni<Response> ownSession(ContainerRequestContext request) {
            String id = request.getUriInfo().getPathParameters().getFirst("id");
            String busy = hub.refusal(id);
            if (busy != null) {
                return Uni.createFrom().item(Response.status(429).build());
            }
            return runtime.session(SignedIn.bearer(request.getSecurityContext()), id).map(session -> (Response) null)
                    .onFailure().recoverWithItem(e -> Response.status(Problems.status(e)).build());
        }
    }
}

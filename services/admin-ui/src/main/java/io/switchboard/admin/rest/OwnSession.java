package io.switchboard.admin.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.RuntimeClient;
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
 * (another organization's is a 404 there, and so here), as a stream cannot answer that once it has begun.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface OwnSession {

    class Check {
        private final RuntimeClient runtime;

        Check(@RestClient RuntimeClient runtime) {
            this.runtime = runtime;
        }

        @OwnSession
        @ServerRequestFilter(priority = Priorities.USER + 100) // after the parameters are checked (StrictJson)
        public Uni<Response> ownSession(ContainerRequestContext request) {
            String id = request.getUriInfo().getPathParameters().getFirst("id");
            return runtime.session(SignedIn.bearer(request.getSecurityContext()), id).map(session -> (Response) null)
                    .onFailure().recoverWithItem(e -> Response.status(Problems.status(e)).build());
        }
    }
}

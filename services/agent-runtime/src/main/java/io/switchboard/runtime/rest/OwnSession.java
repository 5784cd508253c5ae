package io.switchboard.runtime.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.runtime.messaging.SessionEventHub;
import io.switchboard.runtime.repository.SessionRepository;
import jakarta.ws.rs.NameBinding;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.UUID;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * On the event stream of session {@code {id}}: it begins only if the session is the caller's organization's (else 404)
 * and this replica serves another stream of it (else 429), as a stream cannot answer either once it has begun.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface OwnSession {

    class Check {
        private final SessionRepository sessions;
        private final SessionEventHub hub;

        Check(SessionRepository sessions, SessionEventHub hub) {
            this.sessions = sessions;
            this.hub = hub;
        }

        @OwnSession
        @ServerRequestFilter(priority = Priorities.USER + 100) // after the parameters are checked (StrictJson)
        public Uni<Response> ownSession(ContainerRequestContext request) {
            String id = request.getUriInfo().getPathParameters().getFirst("id");
            UUID sessionId = Ids.parse(id, "session");
            UUID org = Caller.of(request.getSecurityContext()).orgId();
            String path = request.getUriInfo().getPath();
            return sessions.find(org, sessionId).map(session -> {
                if (session == null) {
                    return Problem.notFound("session " + id + " does not exist").toResponse(path);
                }
                String busy = hub.refusal(id);
                return busy == null ? null : new Problem(429, "Too Many Requests", busy).toResponse(path);
            });
        }
    }
}

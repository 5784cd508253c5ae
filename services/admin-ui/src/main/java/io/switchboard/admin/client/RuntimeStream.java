package io.switchboard.admin.client;

import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.jboss.resteasy.reactive.client.SseEvent;

/**
 * agent-runtime's event stream of a session, which admin-ui passes on to the browser: one copy of the events, kept by
 * the runtime. A client of its own, as a stream stays open far longer than the other calls' read timeout.
 */
@RegisterRestClient(configKey = "agent-runtime-stream")
@Path("/api/sessions")
public interface RuntimeStream {

    /**
     * The session's events after the last one a client got ({@code lastEventId}) or after the session as committed up
     * to seq {@code after} (one of the two is null), or a snapshot that supersedes them; then live ones.
     */
    @GET
    @Path("/{id}/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    Multi<SseEvent<String>> events(@HeaderParam("Authorization") String auth, @PathParam("id") String id,
                                   @HeaderParam("Last-Event-ID") Long lastEventId, @QueryParam("after") Long after);
}

package io.switchboard.evals.client;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * agent-runtime's public API, only to check that an agent exists when a suite names it: asked with the caller's own
 * token, so it answers for the caller's organization.
 */
@RegisterRestClient(configKey = "agent-runtime")
@Path("/api/agents")
public interface AgentRuntimeClient {

    @GET
    @Path("/{id}")
    Uni<Response> agent(@PathParam("id") String id, @HeaderParam("Authorization") String authorization);
}

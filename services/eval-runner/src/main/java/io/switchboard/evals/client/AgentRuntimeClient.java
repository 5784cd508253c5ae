package io.switchboard.evals.client;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** agent-runtime's public API, only to check that an agent exists when a suite names it. */
@RegisterRestClient(configKey = "agent-runtime")
@Path("/api/agents")
public interface AgentRuntimeClient {

    @GET
    @Path("/{id}")
    Uni<Response> agent(@PathParam("id") String id);
}

package io.switchboard.evals.client;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * agent-runtime's public API, to find the agent a suite names and its versions: asked with the caller's own token, so
 * it answers for the caller's organization.
 */
@RegisterRestClient(configKey = "agent-runtime")
@Path("/api/agents")
public interface AgentRuntimeClient {

    /** One version of an agent, as much of it as evals need. */
    record AgentVersion(UUID id, int version, String name, String model, List<String> tools, List<UUID> subAgents,
                        int publishedVersion) {
    }

    @GET
    Uni<List<AgentVersion>> agents(@HeaderParam("Authorization") String authorization);

    /** Every version, newest first. */
    @GET
    @Path("/{id}/versions")
    Uni<List<AgentVersion>> versions(@PathParam("id") String id, @HeaderParam("Authorization") String authorization);
}

package io.switchboard.admin.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** agent-runtime's public API, as admin-ui uses it. Errors arrive as WebApplicationException with problem+json. */
@RegisterRestClient(configKey = "agent-runtime")
@Path("/api")
public interface RuntimeClient {

    /** An agent at its published version ({@code version}), with its newest one. */
    record Agent(UUID id, int version, String name, String model, String systemPrompt, List<String> tools,
                 List<String> approvalRequired, String onBusy, Instant createdAt, int latestVersion) {
    }

    /** {@code approvalRequired}: tools whose calls wait for an operator; {@code onBusy}: queue, reject or interrupt. */
    record NewAgent(String name, String model, String systemPrompt, List<String> tools, List<String> approvalRequired,
                    String onBusy) {
    }

    /** A tool call that waits (or waited) for an operator. */
    record Approval(UUID id, UUID sessionId, UUID turnId, String callId, String toolName, String arguments,
                    String status, String reason, Instant requestedAt, Instant decidedAt, String agentName) {
    }

    /** {@code decision}: approve or deny. */
    record Decision(String decision, String reason) {
    }

    /** {@code parentSessionId}: the session whose agent asked this one's as a sub-agent, or null. */
    record SessionSummary(UUID id, UUID agentId, String agentName, Instant createdAt, UUID parentSessionId) {
    }

    record Message(int position, UUID turnId, String role, String content, String toolCalls, String toolCallId,
                   Instant createdAt) {
    }

    record Turn(UUID id, String userText, String status, String errorCode, String errorReason, Instant createdAt, Instant finishedAt) {
    }

    record SessionDetail(UUID id, UUID agentId, String agentName, String onBusy, Instant createdAt,
                         UUID parentSessionId, long lastSeq, List<Message> messages, List<Turn> turns,
                         List<Approval> approvals) {
    }

    record NewSession(String agentId) {
    }

    /** A message as a model call was sent it. */
    record SentMessage(String role, String content, String toolCalls, String toolCallId) {
    }

    /** One model call of a session: what it was sent and, for an agent with a context window, its counted tokens. */
    record ModelCall(String requestId, UUID turnId, String model, Integer promptTokens, Instant createdAt,
                     Integer snapshotPosition, int firstPosition, int lastPosition, List<SentMessage> messages) {
    }

    record NewMessage(String text) {
    }

    /** A tool agents may name: built in, or an operator's HTTP tool. */
    record Tool(String name, String kind, String description) {
    }

    record Publish(int version) {
    }

    record TurnAccepted(UUID turnId) {
    }

    @GET
    @Path("/agents")
    Uni<List<Agent>> agents();

    @POST
    @Path("/agents")
    Uni<Agent> createAgent(NewAgent agent);

    /** Every version of the agent, newest first, as the API has them (the page edits them as JSON). */
    @GET
    @Path("/agents/{id}/versions")
    Uni<List<ObjectNode>> versions(@PathParam("id") String id);

    /** A new version of the agent from a whole definition ({@code publish}: false keeps the published one). */
    @PUT
    @Path("/agents/{id}")
    Uni<ObjectNode> editAgent(@PathParam("id") String id, ObjectNode definition);

    @POST
    @Path("/agents/{id}/publish")
    Uni<ObjectNode> publish(@PathParam("id") String id, Publish version);

    @GET
    @Path("/tools")
    Uni<List<Tool>> tools();

    /** The newest sessions; with {@code parent} (null: left out), the sessions of that session's sub-agent calls. */
    @GET
    @Path("/sessions")
    Uni<List<SessionSummary>> sessions(@QueryParam("limit") int limit, @QueryParam("parent") String parent);

    @POST
    @Path("/sessions")
    Uni<SessionSummary> createSession(NewSession session);

    @GET
    @Path("/sessions/{id}")
    Uni<SessionDetail> session(@PathParam("id") String id);

    @GET
    @Path("/sessions/{id}/calls")
    Uni<List<ModelCall>> calls(@PathParam("id") String id);

    @POST
    @Path("/sessions/{id}/messages")
    Uni<TurnAccepted> send(@PathParam("id") String id, NewMessage message);

    @POST
    @Path("/sessions/{id}/cancel")
    Uni<TurnAccepted> cancel(@PathParam("id") String id);

    @GET
    @Path("/approvals")
    Uni<List<Approval>> pendingApprovals();

    @POST
    @Path("/approvals/{id}")
    Uni<Approval> decide(@PathParam("id") String id, Decision decision);
}

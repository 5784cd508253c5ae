package io.switchboard.admin.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.annotation.RegisterClientHeaders;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * agent-runtime's public API, as admin-ui uses it. Errors arrive as WebApplicationException with problem+json. Every
 * call carries the signed-in person's token ({@code auth}: "Bearer ..."): the service checks it and answers for their
 * organization and role, trusting admin-ui with nothing.
 */
@RegisterClientHeaders(ForBrowser.class)
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
    /** A session; in the organization's list also its turns, status (its newest turn's), cost and newest error. */
    record SessionSummary(UUID id, UUID agentId, String agentName, Instant createdAt, UUID parentSessionId,
                          Integer turns, String status, BigDecimal costUsd, String lastErrorCode,
                          Instant lastActivity) {
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
                     Integer snapshotPosition, int firstPosition, int lastPosition, List<SentMessage> messages,
                     SentMessage answer) {
    }

    /** One span of a session's trace (a turn, a model call, a tool call), with what it did inside. */
    record TraceNode(String spanId, String kind, String name, String service, Instant startedAt, Instant endedAt,
                     Long durationMs, String status, String errorType, Map<String, Object> attributes,
                     List<TraceNode> children, SessionTrace subSession) {
    }

    /** A session's trace: its turns, oldest first. */
    record SessionTrace(UUID sessionId, String traceId, String agentName, List<TraceNode> turns) {
    }

    /** A model call sent again: to another model, or with another system prompt. */
    record Replay(String model, String systemPrompt) {
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

    /** Who a token is: subject, organization (with its name), role; for a person, all their organizations. */
    record Me(String subject, UUID orgId, String orgName, String role, boolean platformAdmin, UUID userId,
              UUID tokenId, List<Membership> orgs) {
    }

    record Membership(UUID orgId, String orgName, String role) {
    }

    /** An OpenID Connect provider's ID token, for agent-runtime to check and sign the person in. */
    record OidcSignIn(String idToken) {
    }

    record SignIn(String username, String password) {
    }

    /** A sign-in: the session token for the cookie, and when it ends. */
    record SignedIn(String token, UUID orgId, Instant expiresAt) {
    }

    record SwitchOrg(String orgId) {
    }

    /** Where a sign-in was moved. */
    record Switched(UUID orgId, String orgName, String role) {
    }

    /** A schedule, with its next ticks. */
    record Schedule(UUID id, UUID agentId, String cron, String timezone, String message, String sessionMode,
                    boolean paused, Instant createdAt, List<Instant> nextRuns) {
    }

    record NewSchedule(String agentId, String cron, String timezone, String message, String sessionMode) {
    }

    /** A webhook as listed (never its secret). */
    record Webhook(UUID id, UUID agentId, String name, String template, String url, Instant createdAt,
                   Instant previousSecretUntil) {
    }

    record NewWebhook(String agentId, String name, String template) {
    }

    /** A webhook made, or its secret rotated: {@code secret} is shown only now. */
    record WebhookSecret(UUID id, String name, String url, String secret) {
    }

    /** The jobs page: counts by kind, then status; and the newest jobs. */
    record Jobs(JobSummary summary, List<Job> jobs) {
    }

    record JobSummary(Map<String, Map<String, Long>> byKind) {
    }

    /** {@code byHand}: whether people may cancel or retry it (not a schedule's tick, nor the platform's upkeep). */
    record Job(String kind, String key, UUID orgId, String status, int attempts, String lastError, Instant at,
               Instant dueAt, boolean byHand) {
    }

    /** The caller's organization and its settings. */
    record Org(UUID id, String name, Instant createdAt, boolean captureContent) {
    }

    /** What changes in the organization: null leaves a field as it is. */
    record OrgChange(String name, Boolean captureContent) {
    }

    /** A person of the organization and their role there. */
    record Member(UUID userId, String username, String role, Instant since) {
    }

    /** {@code password} makes the person when there is no one of that name. */
    record NewMember(String username, String password, String role) {
    }

    /** An API token as listed (never its value). */
    record Token(UUID id, String name, String role, String createdBy, Instant createdAt, Instant expiresAt,
                 Instant revokedAt, Instant lastUsedAt) {
    }

    record NewToken(String name, String role, Integer expiresInDays) {
    }

    /** A new token: {@code token} is shown only now. */
    record TokenCreated(UUID id, String name, String role, Instant expiresAt, String token) {
    }

    /** One entry of the audit log. */
    record AuditEntry(long id, Instant at, String actor, String source, String service, String action,
                      String resource, int status, Map<String, Object> changes) {
    }

    @GET
    @Path("/schedules")
    Uni<List<Schedule>> schedules(@HeaderParam("Authorization") String auth);

    @POST
    @Path("/schedules")
    Uni<Schedule> createSchedule(@HeaderParam("Authorization") String auth, NewSchedule schedule);

    @POST
    @Path("/schedules/{id}/{action}")
    Uni<Schedule> scheduleAction(@HeaderParam("Authorization") String auth, @PathParam("id") String id,
                                 @PathParam("action") String action);

    @DELETE
    @Path("/schedules/{id}")
    Uni<Void> deleteSchedule(@HeaderParam("Authorization") String auth, @PathParam("id") String id);

    @GET
    @Path("/webhooks")
    Uni<List<Webhook>> webhooks(@HeaderParam("Authorization") String auth);

    @POST
    @Path("/webhooks")
    Uni<WebhookSecret> createWebhook(@HeaderParam("Authorization") String auth, NewWebhook webhook);

    @POST
    @Path("/webhooks/{id}/rotate")
    Uni<WebhookSecret> rotateWebhook(@HeaderParam("Authorization") String auth, @PathParam("id") String id);

    @DELETE
    @Path("/webhooks/{id}")
    Uni<Void> deleteWebhook(@HeaderParam("Authorization") String auth, @PathParam("id") String id);

    @GET
    @Path("/jobs")
    Uni<Jobs> jobs(@HeaderParam("Authorization") String auth, @QueryParam("kind") String kind,
                   @QueryParam("status") String status, @QueryParam("scope") String scope);

    @POST
    @Path("/jobs/{kind}/{key}/{action}")
    Uni<Void> jobAction(@HeaderParam("Authorization") String auth, @PathParam("kind") String kind,
                        @PathParam("key") String key, @PathParam("action") String action,
                        @QueryParam("scope") String scope);

    @GET
    @Path("/org")
    Uni<Org> org(@HeaderParam("Authorization") String auth);

    @PATCH
    @Path("/org")
    Uni<Org> changeOrg(@HeaderParam("Authorization") String auth, OrgChange change);

    @GET
    @Path("/members")
    Uni<List<Member>> members(@HeaderParam("Authorization") String auth);

    @POST
    @Path("/members")
    Uni<Member> addMember(@HeaderParam("Authorization") String auth, NewMember member);

    @DELETE
    @Path("/members/{userId}")
    Uni<Void> removeMember(@HeaderParam("Authorization") String auth, @PathParam("userId") String userId);

    @GET
    @Path("/tokens")
    Uni<List<Token>> tokens(@HeaderParam("Authorization") String auth);

    @POST
    @Path("/tokens")
    Uni<TokenCreated> createToken(@HeaderParam("Authorization") String auth, NewToken token);

    @DELETE
    @Path("/tokens/{id}")
    Uni<Void> revokeToken(@HeaderParam("Authorization") String auth, @PathParam("id") String id);

    @GET
    @Path("/audit")
    Uni<List<AuditEntry>> audit(@HeaderParam("Authorization") String auth, @QueryParam("action") String action,
                                @QueryParam("actor") String actor, @QueryParam("limit") int limit);

    @GET
    @Path("/me")
    Uni<Me> me(@HeaderParam("Authorization") String auth);

    @POST
    @Path("/auth/sign-in")
    Uni<SignedIn> signIn(SignIn credentials);

    @POST
    @Path("/auth/oidc")
    Uni<SignedIn> signInOidc(OidcSignIn idToken);

    @POST
    @Path("/auth/sign-out")
    Uni<Void> signOut(@HeaderParam("Authorization") String auth);

    @POST
    @Path("/auth/org")
    Uni<Switched> switchOrg(@HeaderParam("Authorization") String auth, SwitchOrg org);

    @GET
    @Path("/agents")
    Uni<List<Agent>> agents(@HeaderParam("Authorization") String auth);

    @POST
    @Path("/agents")
    Uni<Agent> createAgent(@HeaderParam("Authorization") String auth, NewAgent agent);

    /** Every version of the agent, newest first, as the API has them (the page edits them as JSON). */
    @GET
    @Path("/agents/{id}/versions")
    Uni<List<ObjectNode>> versions(@HeaderParam("Authorization") String auth, @PathParam("id") String id);

    /** A new version of the agent from a whole definition ({@code publish}: false keeps the published one). */
    @PUT
    @Path("/agents/{id}")
    Uni<ObjectNode> editAgent(@HeaderParam("Authorization") String auth, @PathParam("id") String id, ObjectNode definition);

    @POST
    @Path("/agents/{id}/publish")
    Uni<ObjectNode> publish(@HeaderParam("Authorization") String auth, @PathParam("id") String id, Publish version);

    @GET
    @Path("/tools")
    Uni<List<Tool>> tools(@HeaderParam("Authorization") String auth);

    /** The newest sessions; with {@code parent} (null: left out), the sessions of that session's sub-agent calls. */
    @GET
    @Path("/sessions")
    Uni<List<SessionSummary>> sessions(@HeaderParam("Authorization") String auth, @QueryParam("limit") int limit, @QueryParam("parent") String parent);

    /** The newest sessions that pass the filters (null: any). */
    @GET
    @Path("/sessions")
    Uni<List<SessionSummary>> searchSessions(@HeaderParam("Authorization") String auth, @QueryParam("limit") int limit,
                                             @QueryParam("agentId") String agentId, @QueryParam("status") String status,
                                             @QueryParam("since") String since, @QueryParam("until") String until,
                                             @QueryParam("minCostUsd") String minCostUsd,
                                             @QueryParam("errorCode") String errorCode);

    @POST
    @Path("/sessions")
    Uni<SessionSummary> createSession(@HeaderParam("Authorization") String auth, NewSession session);

    @GET
    @Path("/sessions/{id}")
    Uni<SessionDetail> session(@HeaderParam("Authorization") String auth, @PathParam("id") String id);

    @GET
    @Path("/sessions/{id}/calls")
    Uni<List<ModelCall>> calls(@HeaderParam("Authorization") String auth, @PathParam("id") String id);

    @GET
    @Path("/sessions/{id}/trace")
    Uni<SessionTrace> trace(@HeaderParam("Authorization") String auth, @PathParam("id") String id);

    @POST
    @Path("/sessions/{id}/calls/{requestId}/replay")
    Uni<ObjectNode> replay(@HeaderParam("Authorization") String auth, @PathParam("id") String id,
                           @PathParam("requestId") String requestId, Replay replay);

    @POST
    @Path("/sessions/{id}/messages")
    Uni<TurnAccepted> send(@HeaderParam("Authorization") String auth, @HeaderParam("Idempotency-Key") String key,
                           @PathParam("id") String id, NewMessage message);

    @POST
    @Path("/sessions/{id}/cancel")
    Uni<TurnAccepted> cancel(@HeaderParam("Authorization") String auth, @PathParam("id") String id);

    @GET
    @Path("/approvals")
    Uni<List<Approval>> pendingApprovals(@HeaderParam("Authorization") String auth);

    @POST
    @Path("/approvals/{id}")
    Uni<Approval> decide(@HeaderParam("Authorization") String auth, @PathParam("id") String id, Decision decision);
}

package io.switchboard.admin.client;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.rest.client.annotation.RegisterClientHeaders;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * llm-gateway's management and usage API, as admin-ui uses it. Every call carries the signed-in person's token ({@code
 * auth}: "Bearer ..."): the service checks it and answers for their organization and role, trusting admin-ui with
 * nothing.
 */
@RegisterClientHeaders(ForBrowser.class)
@RegisterRestClient(configKey = "llm-gateway")
@Path("/api")
public interface GatewayClient {

    record Deployment(String name, String provider, String baseUrl, String model, int maxRetries, boolean hasApiKey,
                      String source, boolean coolingDown, Limits limits) {
    }

    /** A deployment's weight and limits; 0 is no limit. */
    record Limits(int weight, int maxConcurrent, int requestsPerMinute, int tokensPerMinute) {
    }

    /** {@code apiKey} null keeps the stored key; null limits are none. */
    record DeploymentInput(String provider, String baseUrl, String model, String apiKey, Integer maxRetries,
                           Integer weight, Integer maxConcurrent, Integer requestsPerMinute, Integer tokensPerMinute) {
    }

    record Alias(List<String> deployments, String strategy) {
    }

    record AliasInput(List<String> deployments, String strategy) {
    }

    record ApiKey(String id, String name, String keyPrefix, Integer requestsPerMinute, BigDecimal budgetUsd,
                  BigDecimal spentUsd, Instant createdAt, Instant revokedAt) {
        public String spent() {
            return dollars(spentUsd);
        }

        public String budget() {
            return budgetUsd == null ? "" : dollars(budgetUsd);
        }
    }

    record NewKey(String name, Integer requestsPerMinute, BigDecimal budgetUsd) {
    }

    /** The organization's monthly budget, what this month's calls spent and what calls in flight reserved. */
    record Budget(BigDecimal monthlyUsd, String month, BigDecimal spentUsd, BigDecimal reservedUsd) {
        public String monthly() {
            return dollars(monthlyUsd);
        }

        public String spent() {
            return dollars(spentUsd);
        }

        public String reserved() {
            return dollars(reservedUsd);
        }
    }

    record BudgetInput(BigDecimal monthlyUsd) {
    }

    record CreatedKey(ApiKey info, String key) {
    }

    @GET
    @Path("/keys")
    Uni<List<ApiKey>> keys(@HeaderParam("Authorization") String auth);

    @POST
    @Path("/keys")
    Uni<CreatedKey> createKey(@HeaderParam("Authorization") String auth, NewKey key);

    @DELETE
    @Path("/keys/{id}")
    Uni<Void> revokeKey(@HeaderParam("Authorization") String auth, @PathParam("id") String id);

    /** 404 when the organization has none. */
    @GET
    @Path("/budget")
    Uni<Budget> budget(@HeaderParam("Authorization") String auth);

    @PUT
    @Path("/budget")
    Uni<Budget> setBudget(@HeaderParam("Authorization") String auth, BudgetInput budget);

    @GET
    @Path("/deployments")
    Uni<List<Deployment>> deployments(@HeaderParam("Authorization") String auth);

    @PUT
    @Path("/deployments/{name}")
    Uni<Deployment> putDeployment(@HeaderParam("Authorization") String auth, @PathParam("name") String name, DeploymentInput input);

    @DELETE
    @Path("/deployments/{name}")
    Uni<Void> deleteDeployment(@HeaderParam("Authorization") String auth, @PathParam("name") String name);

    @GET
    @Path("/aliases")
    Uni<Map<String, Alias>> aliases(@HeaderParam("Authorization") String auth);

    @PUT
    @Path("/aliases/{name}")
    Uni<Map<String, Alias>> putAlias(@HeaderParam("Authorization") String auth, @PathParam("name") String name, AliasInput input);

    record UsageRow(String key, long calls, long errors, long inputTokens, long outputTokens, long cachedInputTokens,
                    BigDecimal costUsd, long unpricedCalls, Double p50LatencyMs, Double p50TtftMs) {
        /** The priced calls' cost in dollars (to the millionth, without trailing zeros), and how many had no price. */
        public String cost() {
            return dollars(costUsd) + (unpricedCalls == 0 ? "" : " + " + unpricedCalls + " unpriced");
        }
    }

    record Call(String requestId, String sessionId, String agentId, String model, String deployment, String provider,
                int attempts, String status, int inputTokens, int outputTokens, BigDecimal costUsd, int latencyMs,
                Integer ttftMs, Instant startedAt) {
        /** Its cost, or "unpriced" when its model has no price (never shown as free). */
        public String cost() {
            return costUsd == null ? "unpriced" : dollars(costUsd);
        }
    }

    static String dollars(BigDecimal amount) {
        return amount == null ? "" : amount.setScale(6, java.math.RoundingMode.HALF_UP).stripTrailingZeros()
                .toPlainString();
    }

    @GET
    @Path("/usage")
    Uni<List<UsageRow>> usage(@HeaderParam("Authorization") String auth, @QueryParam("by") String by);

    /** One bucket of one series of the dashboards; latencies in milliseconds. */
    record SeriesPoint(Instant bucket, String key, long calls, long errors, long inputTokens, long outputTokens,
                       BigDecimal costUsd, Double latencyP50, Double latencyP95, Double latencyP99, Double ttftP50,
                       Double ttftP95, long turns, long sessions) {
    }

    @GET
    @Path("/usage/series")
    Uni<List<SeriesPoint>> series(@HeaderParam("Authorization") String auth, @QueryParam("from") String from,
                                  @QueryParam("to") String to, @QueryParam("step") long stepSeconds,
                                  @QueryParam("by") String by, @QueryParam("scope") String scope);

    @GET
    @Path("/usage/calls")
    Uni<List<Call>> calls(@HeaderParam("Authorization") String auth, @QueryParam("limit") int limit);

    /** The gateway's background jobs (as agent-runtime's: the same library and answer). */
    @GET
    @Path("/jobs")
    Uni<RuntimeClient.Jobs> jobs(@HeaderParam("Authorization") String auth, @QueryParam("kind") String kind,
                                 @QueryParam("status") String status, @QueryParam("scope") String scope);

    @POST
    @Path("/jobs/{kind}/{key}/{action}")
    Uni<Void> jobAction(@HeaderParam("Authorization") String auth, @PathParam("kind") String kind,
                        @PathParam("key") String key, @PathParam("action") String action,
                        @QueryParam("scope") String scope);
}

package io.switchboard.admin.client;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** llm-gateway's usage API, as admin-ui uses it. */
@RegisterRestClient(configKey = "llm-gateway")
@Path("/api/usage")
public interface GatewayClient {

    record UsageRow(String key, long calls, long errors, long inputTokens, long outputTokens, long cachedInputTokens,
                    BigDecimal costUsd, Double p50LatencyMs, Double p50TtftMs) {
    }

    record Call(String requestId, String sessionId, String agentId, String model, String deployment, String provider,
                int attempts, String status, int inputTokens, int outputTokens, BigDecimal costUsd, int latencyMs,
                Integer ttftMs, Instant startedAt) {
    }

    @GET
    Uni<List<UsageRow>> usage(@QueryParam("by") String by);

    @GET
    @Path("/calls")
    Uni<List<Call>> calls(@QueryParam("limit") int limit);
}

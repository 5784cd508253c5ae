package io.switchboard.admin.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
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
import java.util.UUID;
import org.eclipse.microprofile.rest.client.annotation.RegisterClientHeaders;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * eval-runner's public API, as admin-ui uses it. Every call carries the signed-in person's token ({@code auth}:
 * "Bearer ..."): the service checks it and answers for their organization and role, trusting admin-ui with nothing.
 */
@RegisterClientHeaders(ForBrowser.class)
@RegisterRestClient(configKey = "eval-runner")
@Path("/api")
public interface EvalClient {

    record Suite(UUID id, String name, UUID agentId, int cases, String yaml, Instant nextRunAt, Instant createdAt,
                 Instant updatedAt) {
    }

    record Run(UUID id, UUID suiteId, String status, Integer agentVersion, String model, UUID baselineId, int passed,
               int failed, int errored, int total, String trigger, String error, Instant createdAt,
               Instant finishedAt) {
        public int done() {
            return passed + failed + errored;
        }
    }

    record SuiteDetail(Suite suite, List<Run> runs) {
    }

    record CaseSummary(int index, String name, int runs, int passed, int failed, int errored, double score,
                       String outcome, long latencyMs, int tokens, BigDecimal costUsd, String reason, UUID sessionId) {
    }

    record CaseDiff(String name, String change, CaseSummary now, CaseSummary before, Double scoreDelta,
                    Long latencyDeltaMs, BigDecimal costDeltaUsd) {
    }

    record Comparison(UUID baselineId, List<CaseDiff> cases, int regressed, int improved, int unchanged, int added,
                      int removed) {
    }

    record Check(String expectation, int line, String outcome, double score, String reason) {
    }

    record Tool(String name, JsonNode args, String result, boolean error) {
    }

    record Turn(String user, String answer, String status, String code, String reason, long latencyMs, long tokens,
                List<Tool> tools, List<Check> checks) {
    }

    record CaseResult(int caseIndex, int repetition, String caseName, UUID sessionId, String outcome, String answer,
                      String reason, int latencyMs, int tokens, BigDecimal costUsd, List<Turn> turns,
                      List<Check> checks) {
    }

    record RunDetail(Run run, String suiteName, List<CaseSummary> cases, Comparison comparison,
                     List<CaseResult> results) {
    }

    record StartRun(Integer version, String baseline) {
    }

    @GET
    @Path("/suites")
    Uni<List<Suite>> suites(@HeaderParam("Authorization") String auth);

    @POST
    @Path("/suites")
    @Consumes("application/yaml")
    Uni<Suite> saveSuite(@HeaderParam("Authorization") String auth, String yaml);

    @PUT
    @Path("/suites/{id}")
    @Consumes("application/yaml")
    Uni<Suite> updateSuite(@HeaderParam("Authorization") String auth, @PathParam("id") String id, String yaml);

    @GET
    @Path("/suites/{id}")
    Uni<SuiteDetail> suite(@HeaderParam("Authorization") String auth, @PathParam("id") String id);

    @POST
    @Path("/suites/{id}/runs")
    Uni<Run> run(@HeaderParam("Authorization") String auth, @PathParam("id") String id, StartRun start);

    @GET
    @Path("/runs/{id}")
    Uni<RunDetail> runDetail(@HeaderParam("Authorization") String auth, @PathParam("id") String id,
                             @QueryParam("with") String with);

    /** eval-runner's background jobs (as agent-runtime's: the same library and answer). */
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

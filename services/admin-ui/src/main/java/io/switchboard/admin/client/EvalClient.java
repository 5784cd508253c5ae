package io.switchboard.admin.client;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
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

    record Suite(UUID id, String name, UUID agentId, Instant createdAt) {
    }

    record Case(int position, String input, String expectContains) {
    }

    record Run(UUID id, UUID suiteId, String status, int passed, int failed, Instant createdAt, Instant finishedAt) {
    }

    record Result(int position, UUID sessionId, boolean passed, String answer, String error, int latencyMs) {
    }

    record SuiteDetail(Suite suite, List<Case> cases, List<Run> runs) {
    }

    record RunDetail(Run run, Suite suite, List<Case> cases, List<Result> results) {
    }

    record CaseInput(String input, String expectContains) {
    }

    record NewSuite(String name, String agentId, List<CaseInput> cases) {
    }

    @GET
    @Path("/suites")
    Uni<List<Suite>> suites(@HeaderParam("Authorization") String auth);

    @POST
    @Path("/suites")
    Uni<Suite> createSuite(@HeaderParam("Authorization") String auth, NewSuite suite);

    @GET
    @Path("/suites/{id}")
    Uni<SuiteDetail> suite(@HeaderParam("Authorization") String auth, @PathParam("id") String id);

    @POST
    @Path("/suites/{id}/runs")
    Uni<Run> run(@HeaderParam("Authorization") String auth, @PathParam("id") String id);

    @GET
    @Path("/runs/{id}")
    Uni<RunDetail> runDetail(@HeaderParam("Authorization") String auth, @PathParam("id") String id);
}

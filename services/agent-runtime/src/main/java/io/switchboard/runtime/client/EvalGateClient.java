package io.switchboard.runtime.client;

import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * eval-runner's publish gate: runs the suites an agent version requires and answers once they ended. Asked with the
 * publisher's own token, so the suites are their organization's.
 */
@RegisterRestClient(configKey = "eval-runner")
@Path("/api/gate")
public interface EvalGateClient {

    record Gate(String agentId, int version, List<String> suites) {
    }

    record GateRun(String suite, UUID runId, String status, List<String> failed) {
    }

    record GateResult(boolean passed, List<GateRun> runs) {
    }

    @POST
    Uni<GateResult> check(@HeaderParam("Authorization") String authorization, Gate gate);
}

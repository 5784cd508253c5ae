package io.switchboard.runtime.service;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.runtime.client.EvalGateClient;
import io.switchboard.runtime.repository.Agent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * A version whose {@code publishGate} names eval suites is published only after every case of them passed against it
 * (eval-runner runs them); otherwise the publish is a 409 listing the failed cases. A gate that cannot be checked
 * (eval-runner down, an unknown suite) keeps the version unpublished too.
 */
@ApplicationScoped
public class PublishGate {
    private final EvalGateClient evals;

    public PublishGate(@RestClient EvalGateClient evals) {
        this.evals = evals;
    }

    public Uni<Void> check(Agent version, Caller caller) {
        if (version.publishGate().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String refused = "version " + version.version() + " of agent " + version.name() + " is not published: ";
        return evals.check("Bearer " + caller.credential(), new EvalGateClient.Gate(version.id().toString(),
                        version.version(), version.publishGate()))
                .onFailure(WebApplicationException.class).transform(e -> Problem.conflict(refused
                        + "its eval suites could not be run (eval-runner answered "
                        + ((WebApplicationException) e).getResponse().getStatus() + ": "
                        + detail((WebApplicationException) e) + ")"))
                .onFailure(e -> !(e instanceof Problem)).transform(e -> new Problem(503, "Service Unavailable",
                        refused + "eval-runner, which runs its eval suites, is not reachable: " + e.getMessage()))
                .invoke(result -> {
                    if (!result.passed()) {
                        List<String> failed = new ArrayList<>();
                        result.runs().forEach(run -> run.failed().forEach(c -> failed.add(run.suite() + " / " + c)));
                        result.runs().stream().filter(run -> !run.status().equals("completed"))
                                .forEach(run -> failed.add(run.suite() + " ended " + run.status()));
                        throw Problem.conflict(refused + "cases of its eval suites failed: "
                                + String.join("; ", failed));
                    }
                }).replaceWithVoid();
    }

    private static String detail(WebApplicationException e) {
        try {
            String body = e.getResponse().readEntity(String.class);
            int at = body.indexOf("\"detail\":\"");
            return at < 0 ? body : body.substring(at + 10, Math.max(at + 10, body.indexOf('"', at + 10)));
        } catch (RuntimeException unreadable) {
            return e.getMessage();
        }
    }
}

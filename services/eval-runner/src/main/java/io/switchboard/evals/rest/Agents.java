package io.switchboard.evals.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.evals.client.AgentRuntimeClient;
import io.switchboard.evals.client.AgentRuntimeClient.AgentVersion;
import io.switchboard.evals.suite.Expectation;
import io.switchboard.evals.suite.SuiteParser;
import io.switchboard.evals.suite.SuiteSpec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * The agent a suite names (by name or id), asked of agent-runtime with the caller's token, and its versions. A suite
 * may only name tools the agent has had in some version (a later version may drop one: that is what a run shows).
 */
@ApplicationScoped
public class Agents {
    private final AgentRuntimeClient runtime;

    public Agents(@RestClient AgentRuntimeClient runtime) {
        this.runtime = runtime;
    }

    /** Every version of the suite's agent, newest first; 400 when the agent, its version or a tool is unknown. */
    public Uni<List<AgentVersion>> check(SuiteSpec spec, Caller caller) {
        return versions(spec.agent(), caller).invoke(versions -> {
            if (spec.version() != null && versions.stream().noneMatch(v -> v.version() == spec.version())) {
                throw Problem.badRequest("version: agent " + spec.agent() + " has no version " + spec.version());
            }
            Set<String> known = new HashSet<>();
            versions.forEach(v -> known.addAll(v.tools()));
            List<String> subAgentSuffixes = new ArrayList<>();
            versions.forEach(v -> v.subAgents().forEach(id -> subAgentSuffixes.add("_" + id.toString().substring(0, 8))));
            for (SuiteSpec.CaseSpec c : spec.cases()) {
                for (Expectation e : c.allExpectations()) {
                    for (String tool : tools(e)) {
                        if (!known.contains(tool) && subAgentSuffixes.stream().noneMatch(tool::endsWith)) {
                            throw new SuiteParser.Invalid(e.line(), "cases[" + spec.cases().indexOf(c) + "]",
                                    "unknown tool '" + tool + "': agent " + spec.agent() + " has never had it"
                                            + " (its tools: " + String.join(", ", known) + ")");
                        }
                    }
                }
            }
        });
    }

    private Uni<List<AgentVersion>> versions(String agent, Caller caller) {
        String auth = "Bearer " + caller.credential();
        UUID id = Ids.orNull(agent);
        Uni<String> agentId = id != null ? Uni.createFrom().item(id.toString())
                : runtime.agents(auth).map(all -> all.stream().filter(a -> a.name().equals(agent)).findFirst()
                        .map(a -> a.id().toString())
                        .orElseThrow(() -> Problem.badRequest("agent: no agent is named \"" + agent + "\"")));
        return agentId.flatMap(found -> runtime.versions(found, auth))
                .onFailure(WebApplicationException.class).transform(e -> {
                    int status = ((WebApplicationException) e).getResponse().getStatus();
                    return status == 404 ? Problem.badRequest("agent: agent " + agent + " does not exist")
                            : new Problem(502, "Bad Gateway", "agent-runtime could not be asked about agent " + agent
                                    + " (" + status + ")");
                })
                .onFailure(e -> !(e instanceof Problem)).transform(e -> new Problem(503, "Service Unavailable",
                        "agent-runtime is not reachable: " + e.getMessage()));
    }

    private static List<String> tools(Expectation e) {
        if (e instanceof Expectation.ToolCalled t) {
            return List.of(t.tool().name());
        }
        if (e instanceof Expectation.ToolSequence s) {
            return s.tools().stream().map(Expectation.ToolMatch::name).toList();
        }
        return List.of();
    }
}

package io.switchboard.evals.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.evals.client.AgentRuntimeClient;
import io.switchboard.evals.config.EvalConfig;
import io.switchboard.evals.repository.EvalRepository.Case;
import io.switchboard.evals.repository.EvalRepository.Run;
import io.switchboard.evals.repository.EvalRepository.Suite;
import io.switchboard.evals.repository.EvalRepository;
import io.switchboard.evals.service.EvalService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RestClient;

@Path("/api")
@RolesAllowed(Role.VIEWER_NAME)
public class SuiteResource {
    static final int MAX_TEXT = 32_000;

    private final EvalRepository repository;
    private final EvalService evals;
    private final AgentRuntimeClient runtime;
    private final EvalConfig config;

    public SuiteResource(EvalRepository repository, EvalService evals, @RestClient AgentRuntimeClient runtime,
                         EvalConfig config) {
        this.repository = repository;
        this.evals = evals;
        this.runtime = runtime;
        this.config = config;
    }

    /** One case: a user message, and text the answer must contain. */
    public record CaseInput(String input, String expectContains) {
    }

    public record CreateSuite(String name, String agentId, List<CaseInput> cases) {
    }

    public record SuiteDetail(Suite suite, List<Case> cases, List<Run> runs) {
    }

    public record RunDetail(Run run, Suite suite, List<Case> cases, List<EvalRepository.Result> results) {
    }

    @Consumes(MediaType.APPLICATION_JSON)
    @POST
    @Path("/suites")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> create(CreateSuite body, @Context UriInfo uri, SecurityContext security) {
        Caller caller = Caller.of(security);
        if (body == null || body.name() == null || body.name().isBlank()) {
            throw Problem.badRequest("name is required");
        }
        if (body.agentId() == null || body.agentId().isBlank()) {
            throw Problem.badRequest("agentId is required");
        }
        if (body.cases() == null || body.cases().isEmpty()) {
            throw Problem.badRequest("cases must list at least one case");
        }
        if (body.cases().size() > config.maxCases()) {
            throw Problem.tooLarge("a suite has at most " + config.maxCases() + " cases");
        }
        List<Case> cases = new ArrayList<>();
        for (CaseInput c : body.cases()) {
            if (c == null || c.input() == null || c.input().isBlank() || c.expectContains() == null
                    || c.expectContains().isBlank()) {
                throw Problem.badRequest("case " + cases.size() + " needs input and expectContains");
            }
            if (c.input().length() > MAX_TEXT || c.expectContains().length() > MAX_TEXT) {
                throw Problem.tooLarge("case " + cases.size() + " is longer than " + MAX_TEXT + " characters");
            }
            cases.add(new Case(cases.size(), c.input(), c.expectContains().strip()));
        }
        UUID agentId = parseAgent(body.agentId());
        return agentExists(agentId, caller)
                .flatMap(exists -> {
                    if (!exists) {
                        throw Problem.notFound("agent " + agentId + " does not exist");
                    }
                    return repository.createSuite(caller.orgId(), body.name().strip(), agentId, cases);
                })
                .map(suite -> Response.created(uri.getBaseUriBuilder().path("api/suites/" + suite.id()).build())
                        .entity(suite).build());
    }

    @GET
    @Path("/suites")
    public Uni<List<Suite>> list(SecurityContext security) {
        return repository.suites(Caller.of(security).orgId());
    }

    @GET
    @Path("/suites/{id}")
    public Uni<SuiteDetail> get(@PathParam("id") String id, SecurityContext security) {
        return suite(Caller.of(security), id).flatMap(suite -> repository.cases(suite.id())
                .flatMap(cases -> repository.runs(suite.id()).map(runs -> new SuiteDetail(suite, cases, runs))));
    }

    /** Starts a run; it goes on in the background: poll {@code GET /api/runs/{id}}. */
    @POST
    @Path("/suites/{id}/runs")
    @RolesAllowed(Role.OPERATOR_NAME)
    public Uni<Response> run(@PathParam("id") String id, @Context UriInfo uri, SecurityContext security) {
        return suite(Caller.of(security), id).flatMap(evals::start)
                .map(run -> Response.accepted(run)
                        .location(uri.getBaseUriBuilder().path("api/runs/" + run.id()).build()).build());
    }

    @GET
    @Path("/runs/{id}")
    public Uni<RunDetail> getRun(@PathParam("id") String id, SecurityContext security) {
        UUID org = Caller.of(security).orgId();
        return repository.run(org, Ids.parse(id, "run")).flatMap(run -> {
            if (run == null) {
                throw Problem.notFound("run " + id + " does not exist");
            }
            return repository.suite(org, run.suiteId()).flatMap(suite -> repository.cases(suite.id())
                    .flatMap(cases -> repository.results(run.id())
                            .map(results -> new RunDetail(run, suite, cases, results))));
        });
    }

    private Uni<Suite> suite(Caller caller, String id) {
        return repository.suite(caller.orgId(), Ids.parse(id, "suite")).map(suite -> {
            if (suite == null) {
                throw Problem.notFound("suite " + id + " does not exist");
            }
            return suite;
        });
    }

    private Uni<Boolean> agentExists(UUID agentId, Caller caller) {
        return runtime.agent(agentId.toString(), "Bearer " + caller.credential()).map(response -> true)
                .onFailure(WebApplicationException.class).recoverWithUni(e -> {
                    if (((WebApplicationException) e).getResponse().getStatus() == 404) {
                        return Uni.createFrom().item(false);
                    }
                    return Uni.createFrom().failure(new Problem(502, "Bad Gateway",
                            "agent-runtime could not be asked about agent " + agentId));
                })
                .onFailure(e -> !(e instanceof Problem)).recoverWithUni(e -> Uni.createFrom().failure(
                        new Problem(503, "Service Unavailable", "agent-runtime is not reachable: " + e.getMessage())));
    }

    private static UUID parseAgent(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw Problem.notFound("agent " + id + " does not exist");
        }
    }
}

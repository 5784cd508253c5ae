package io.switchboard.evals.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.evals.client.AgentRuntimeClient.AgentVersion;
import io.switchboard.evals.config.EvalConfig;
import io.switchboard.evals.repository.EvalRepository;
import io.switchboard.evals.repository.EvalRepository.Run;
import io.switchboard.evals.repository.EvalRepository.Suite;
import io.switchboard.evals.service.EvalService;
import io.switchboard.evals.suite.SuiteParser;
import io.switchboard.evals.suite.SuiteSpec;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Suites: sent as YAML or JSON (the same document), checked field by field (400 naming the line and field, nothing
 * stored), known by name in the organization (the same name again replaces the suite), and run.
 */
@Path("/api/suites")
@RolesAllowed(Role.VIEWER_NAME)
public class SuiteResource {
    static final String YAML = "application/yaml";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EvalRepository repository;
    private final EvalService evals;
    private final Agents agents;
    private final SuiteParser parser;

    public SuiteResource(EvalRepository repository, EvalService evals, Agents agents, EvalConfig config) {
        this.repository = repository;
        this.evals = evals;
        this.agents = agents;
        this.parser = new SuiteParser(config.maxCases());
    }

    /** A suite as the API shows it: its document, and the YAML it was sent as (or the document written as YAML). */
    public record SuiteView(UUID id, String name, UUID agentId, int cases, JsonNode document, String yaml,
                            Instant nextRunAt, Instant createdAt, Instant updatedAt) {
        static SuiteView of(Suite s) {
            String yaml = s.source();
            if (yaml == null) {
                DumperOptions options = new DumperOptions();
                options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
                options.setWidth(120);
                yaml = new Yaml(options).dump(JSON.convertValue(s.document(), Map.class));
            }
            return new SuiteView(s.id(), s.name(), s.agentId(), s.document().path("cases").size(), s.document(), yaml,
                    s.nextRunAt(), s.createdAt(), s.updatedAt());
        }
    }

    public record SuiteDetail(SuiteView suite, List<Run> runs) {
    }

    /** How to run: against which version (default: the suite's, else the published one), compared with which run. */
    public record StartRun(Integer version, String baseline) {
    }

    @POST
    @Consumes({MediaType.APPLICATION_JSON, YAML, "application/x-yaml", "text/yaml"})
    @RolesAllowed(Role.ADMIN_NAME)
    @Blocking // a document of up to 2 MB is parsed: not on the event loop
    public Uni<Response> save(String body, @Context UriInfo uri, SecurityContext security) {
        Caller caller = Caller.of(security);
        return checked(body, caller).flatMap(checked -> repository.saveSuite(caller.orgId(), checked.spec().name(),
                        checked.agentId(), checked.document(), source(body), checked.nextRunAt()))
                .map(saved -> (saved.created() ? Response.created(uri.getBaseUriBuilder()
                        .path("api/suites/" + saved.suite().id()).build()) : Response.ok())
                        .entity(SuiteView.of(saved.suite())).build());
    }

    @PUT
    @Path("/{id}")
    @Consumes({MediaType.APPLICATION_JSON, YAML, "application/x-yaml", "text/yaml"})
    @RolesAllowed(Role.ADMIN_NAME)
    @Blocking
    public Uni<SuiteView> update(@PathParam("id") String id, String body, SecurityContext security) {
        Caller caller = Caller.of(security);
        UUID suiteId = Ids.parse(id, "suite");
        return checked(body, caller).flatMap(checked -> repository.updateSuite(caller.orgId(), suiteId,
                        checked.spec().name(), checked.agentId(), checked.document(), source(body),
                        checked.nextRunAt()))
                .map(suite -> {
                    if (suite == null) {
                        throw Problem.notFound("suite " + id + " does not exist");
                    }
                    return SuiteView.of(suite);
                })
                .onFailure(e -> String.valueOf(e.getMessage()).contains("suites_name")).transform(e ->
                        Problem.conflict("another suite is named so"));
    }

    @GET
    public Uni<List<SuiteView>> list(SecurityContext security) {
        return repository.suites(Caller.of(security).orgId())
                .map(all -> all.stream().map(SuiteView::of).toList());
    }

    @GET
    @Path("/{id}")
    public Uni<SuiteDetail> get(@PathParam("id") String id, SecurityContext security) {
        return suite(Caller.of(security), id).flatMap(suite -> repository.runs(suite.id(), 100)
                .map(runs -> new SuiteDetail(SuiteView.of(suite), runs)));
    }

    /**
     * Starts a run (202); it goes on in the background: {@code GET /api/runs/{id}}. {@code baseline}: {@code last}
     * (default: the newest completed run before it), a run's id, or {@code none}.
     */
    @POST
    @Path("/{id}/runs")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Role.OPERATOR_NAME)
    public Uni<Response> run(@PathParam("id") String id, StartRun body, @Context UriInfo uri,
                             SecurityContext security) {
        Caller caller = Caller.of(security);
        StartRun start = body == null ? new StartRun(null, null) : body;
        return suite(caller, id).flatMap(suite -> {
            SuiteSpec spec = evals.spec(suite.document());
            return agents.check(spec, caller).flatMap(versions -> {
                int published = versions.get(0).publishedVersion();
                int version = start.version() != null ? start.version()
                        : spec.version() != null ? spec.version() : published;
                AgentVersion chosen = versions.stream().filter(v -> v.version() == version).findFirst()
                        .orElseThrow(() -> Problem.badRequest("version: the agent has no version " + version));
                return baseline(suite, start.baseline(), caller)
                        .flatMap(baseline -> evals.start(suite, chosen.version(), chosen.model(), baseline, "api"));
            });
        }).onFailure(SuiteParser.Invalid.class).transform(e -> Problem.badRequest(e.getMessage()))
                .map(run -> Response.accepted(run).location(uri.getBaseUriBuilder().path("api/runs/" + run.id())
                        .build()).build());
    }

    private Uni<UUID> baseline(Suite suite, String baseline, Caller caller) {
        if (baseline == null || baseline.equals("last")) {
            return repository.lastCompleted(suite.id(), null).map(run -> run == null ? null : run.id());
        }
        if (baseline.equals("none")) {
            return Uni.createFrom().nullItem();
        }
        UUID id = Ids.orNull(baseline);
        if (id == null) {
            throw Problem.badRequest("baseline: last, none, or the id of a run of this suite");
        }
        return repository.run(caller.orgId(), id).map(run -> {
            if (run == null || !run.suiteId().equals(suite.id())) {
                throw Problem.badRequest("baseline: run " + baseline + " is not a run of suite " + suite.name());
            }
            return run.id();
        });
    }

    /** A suite document, checked: it parses, its agent exists and every tool it names is the agent's. */
    private record Checked(SuiteSpec spec, JsonNode document, UUID agentId) {
        /** The first tick of its schedule from now, or null. */
        Instant nextRunAt() {
            return spec.schedule() == null ? null : spec.schedule().next(Instant.now());
        }
    }

    private Uni<Checked> checked(String body, Caller caller) {
        SuiteParser.Parsed parsed;
        try {
            parsed = parser.parse(body);
        } catch (SuiteParser.Invalid e) {
            throw Problem.badRequest(e.getMessage());
        }
        return agents.check(parsed.spec(), caller)
                .map(versions -> new Checked(parsed.spec(), parsed.document(), versions.get(0).id()))
                .onFailure(SuiteParser.Invalid.class).transform(e -> Problem.badRequest(e.getMessage()));
    }

    /** The body when it is YAML (kept as written, comments too); null when it is JSON (the document says it all). */
    private static String source(String body) {
        return body.stripLeading().startsWith("{") ? null : body;
    }

    private Uni<Suite> suite(Caller caller, String id) {
        return repository.suite(caller.orgId(), Ids.parse(id, "suite")).map(suite -> {
            if (suite == null) {
                throw Problem.notFound("suite " + id + " does not exist");
            }
            return suite;
        });
    }
}

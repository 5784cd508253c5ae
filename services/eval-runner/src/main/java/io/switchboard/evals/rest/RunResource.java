package io.switchboard.evals.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.switchboard.evals.repository.EvalRepository;
import io.switchboard.evals.repository.EvalRepository.CaseResult;
import io.switchboard.evals.repository.EvalRepository.Run;
import io.switchboard.evals.repository.EvalRepository.Suite;
import io.switchboard.evals.service.Comparison;
import io.switchboard.evals.service.Comparison.CaseSummary;
import io.switchboard.evals.service.EvalService;
import io.switchboard.evals.service.Reports;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import java.util.UUID;

/**
 * A run (an experiment): its progress, every case's repetitions with their turns and checks, and its comparison with
 * its baseline (or with {@code ?with=<run id>}, another run of the suite); as text for the CLI and JUnit XML for CI.
 */
@Path("/api/runs/{id}")
@RolesAllowed(Role.VIEWER_NAME)
public class RunResource {
    private final EvalRepository repository;
    private final EvalService evals;

    public RunResource(EvalRepository repository, EvalService evals) {
        this.repository = repository;
        this.evals = evals;
    }

    public record RunDetail(Run run, String suiteName, List<CaseSummary> cases, Comparison comparison,
                            List<CaseResult> results) {
    }

    @GET
    public Uni<RunDetail> get(@PathParam("id") String id, @QueryParam("with") String with,
                              SecurityContext security) {
        return detail(Caller.of(security), id, with);
    }

    /** The run alone (status and counts): what a client polls while it runs. */
    @GET
    @Path("/progress")
    public Uni<Run> progress(@PathParam("id") String id, SecurityContext security) {
        return repository.run(Caller.of(security).orgId(), Ids.parse(id, "run")).map(run -> {
            if (run == null) {
                throw Problem.notFound("run " + id + " does not exist");
            }
            return run;
        });
    }

    /** The run as the CLI prints it; the last line and the {@code Switchboard-Verdict} header say how it went. */
    @GET
    @Path("/report")
    @Produces(MediaType.TEXT_PLAIN)
    public Uni<Response> report(@PathParam("id") String id, @QueryParam("with") String with,
                                @QueryParam("gate") String gate, SecurityContext security) {
        Reports.Gate chosen = gate(gate);
        return detail(Caller.of(security), id, with).map(d -> Response.ok(Reports.text(d.suiteName(), d.run(),
                        d.comparison(), chosen)).type(MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8"))
                .header("Switchboard-Verdict", Reports.verdict(d.run(), d.comparison(), chosen)).build());
    }

    @GET
    @Path("/junit")
    @Produces(MediaType.APPLICATION_XML)
    public Uni<String> junit(@PathParam("id") String id, SecurityContext security) {
        return detail(Caller.of(security), id, null).map(d -> Reports.junit(d.suiteName(), d.run(), d.cases()));
    }

    private Uni<RunDetail> detail(Caller caller, String id, String with) {
        UUID org = caller.orgId();
        return repository.run(org, Ids.parse(id, "run")).flatMap(run -> {
            if (run == null) {
                throw Problem.notFound("run " + id + " does not exist");
            }
            UUID baselineId = with == null || with.isBlank() ? run.baselineId() : Ids.parse(with, "run");
            Uni<Run> baseline = baselineId == null ? Uni.createFrom().nullItem() : repository.run(org, baselineId);
            return Uni.combine().all().unis(repository.suite(org, run.suiteId()), repository.results(run.id()),
                            repository.runDocument(run.id()), baseline).asTuple()
                    .flatMap(all -> {
                        Suite suite = all.getItem1();
                        Run other = all.getItem4();
                        if (with != null && !with.isBlank() && (other == null || !other.suiteId().equals(run.suiteId()))) {
                            throw Problem.notFound("run " + with + " is not a run of this suite");
                        }
                        double threshold = evals.spec(all.getItem3()).passThreshold();
                        List<CaseSummary> now = Comparison.summarize(all.getItem2(), threshold);
                        Uni<List<CaseSummary>> then = other == null ? Uni.createFrom().nullItem()
                                : repository.results(other.id()).map(r -> Comparison.summarize(r, threshold));
                        return then.map(before -> new RunDetail(run, suite.name(), now,
                                Comparison.of(now, other == null ? null : other.id(), before), all.getItem2()));
                    });
        });
    }

    private static Reports.Gate gate(String gate) {
        if (gate == null || gate.equals("failures")) {
            return Reports.Gate.FAILURES;
        }
        if (gate.equals("regressions")) {
            return Reports.Gate.REGRESSIONS;
        }
        throw Problem.badRequest("gate: failures or regressions");
    }
}

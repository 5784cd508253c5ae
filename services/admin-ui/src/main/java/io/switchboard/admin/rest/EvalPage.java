package io.switchboard.admin.rest;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.EvalClient;
import io.switchboard.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Evals: suites written as YAML (checked by eval-runner, which names the line and field of a mistake), their runs, and
 * a run beside its baseline, regressions first, with each case's turns, tool calls and checks.
 */
@Path("/evals")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed(Role.VIEWER_NAME)
public class EvalPage {
    static final String EXAMPLE = """
            name: clock-agent
            agent: clock-agent        # an agent's name or id
            cases:
              - name: tells the time with its tool
                turns:
                  - user: What time is it?
                    expect:
                      - tool_called: clock
                      - contains: "The tool says"
            """;

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance list(List<EvalClient.Suite> suites, String yaml, String error);

        static native TemplateInstance suite(EvalClient.SuiteDetail detail, String yaml, String error);

        static native TemplateInstance run(EvalClient.RunDetail detail, List<EvalClient.Run> others);
    }

    private final EvalClient evals;

    public EvalPage(@RestClient EvalClient evals) {
        this.evals = evals;
    }

    @GET
    public Uni<TemplateInstance> list(SecurityContext security) {
        return page(SignedIn.bearer(security), EXAMPLE, null);
    }

    /** Creates (or, by its name, replaces) a suite from its YAML. */
    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> create(@RestForm String yaml, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return evals.saveSuite(auth, yaml == null ? "" : yaml)
                .map(suite -> Response.seeOther(URI.create("/evals/" + suite.id())).build())
                .onFailure().recoverWithUni(e -> page(auth, yaml, Problems.describe(e))
                        .map(html -> Response.status(Problems.status(e)).entity(html).build()));
    }

    @GET
    @Path("/{id}")
    public Uni<TemplateInstance> suite(@PathParam("id") String id, SecurityContext security) {
        return evals.suite(SignedIn.bearer(security), id).map(detail -> Templates.suite(detail, detail.suite().yaml(),
                null));
    }

    /** Saves the suite's edited YAML. */
    @POST
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> edit(@PathParam("id") String id, @RestForm String yaml, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return evals.updateSuite(auth, id, yaml == null ? "" : yaml)
                .map(suite -> Response.seeOther(URI.create("/evals/" + suite.id())).build())
                .onFailure().recoverWithUni(e -> evals.suite(auth, id)
                        .map(detail -> Response.status(Problems.status(e))
                                .entity(Templates.suite(detail, yaml, Problems.describe(e))).build()));
    }

    @POST
    @Path("/{id}/runs")
    public Uni<Response> run(@PathParam("id") String id, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return evals.run(auth, id, new EvalClient.StartRun(null, "last"))
                .map(run -> Response.seeOther(URI.create("/evals/runs/" + run.id())).build());
    }

    /** A run beside its baseline, or beside {@code with}, another run of the suite. */
    @GET
    @Path("/runs/{id}")
    public Uni<TemplateInstance> runDetail(@PathParam("id") String id, @QueryParam("with") String with,
                                           SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return evals.runDetail(auth, id, with).flatMap(detail -> evals.suite(auth, detail.run().suiteId().toString())
                .map(suite -> Templates.run(detail, suite.runs().stream()
                        .filter(r -> !r.id().equals(detail.run().id()) && r.status().equals("completed")).toList())));
    }

    private Uni<TemplateInstance> page(String auth, String yaml, String error) {
        return evals.suites(auth).onFailure().recoverWithItem(List.of())
                .map(suites -> Templates.list(suites, yaml, error));
    }
}

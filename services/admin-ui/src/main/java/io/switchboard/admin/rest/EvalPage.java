package io.switchboard.admin.rest;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.EvalClient;
import io.switchboard.admin.client.RuntimeClient;
import io.switchboard.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestForm;

/** Evals: suites, starting a run, and a run's results. */
@Path("/evals")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed(Role.VIEWER_NAME)
public class EvalPage {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance list(List<EvalClient.Suite> suites, List<RuntimeClient.Agent> agents,
                                            String error);

        static native TemplateInstance suite(EvalClient.SuiteDetail detail);

        static native TemplateInstance run(EvalClient.RunDetail detail);
    }

    private final EvalClient evals;
    private final RuntimeClient runtime;

    public EvalPage(@RestClient EvalClient evals, @RestClient RuntimeClient runtime) {
        this.evals = evals;
        this.runtime = runtime;
    }

    @GET
    public Uni<TemplateInstance> list(SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return page(auth, null);
    }

    /**
     * Creates a suite from the form: one case per line of {@code cases}, written {@code message => expected text}.
     */
    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> create(@RestForm String name, @RestForm String agentId, @RestForm String cases, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        List<EvalClient.CaseInput> parsed = new ArrayList<>();
        for (String line : (cases == null ? "" : cases).split("\\R")) {
            if (line.isBlank()) {
                continue;
            }
            int arrow = line.indexOf("=>");
            if (arrow < 0) {
                return page(auth, "each case is one line: message => expected text (line " + (parsed.size() + 1) + ")")
                        .map(html -> Response.status(400).entity(html).build());
            }
            parsed.add(new EvalClient.CaseInput(line.substring(0, arrow).strip(), line.substring(arrow + 2).strip()));
        }
        return evals.createSuite(auth, new EvalClient.NewSuite(name, agentId, parsed))
                .map(suite -> Response.seeOther(URI.create("/evals/" + suite.id())).build())
                .onFailure().recoverWithUni(e -> page(auth, Problems.describe(e))
                        .map(html -> Response.status(Problems.status(e)).entity(html).build()));
    }

    @GET
    @Path("/{id}")
    public Uni<TemplateInstance> suite(@PathParam("id") String id, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return evals.suite(auth, id).map(Templates::suite);
    }

    @POST
    @Path("/{id}/runs")
    public Uni<Response> run(@PathParam("id") String id, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return evals.run(auth, id).map(run -> Response.seeOther(URI.create("/evals/runs/" + run.id())).build());
    }

    @GET
    @Path("/runs/{id}")
    public Uni<TemplateInstance> runDetail(@PathParam("id") String id, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return evals.runDetail(auth, id).map(Templates::run);
    }

    private Uni<TemplateInstance> page(String auth, String error) {
        Uni<List<EvalClient.Suite>> suites = evals.suites(auth).onFailure().recoverWithItem(List.of());
        Uni<List<RuntimeClient.Agent>> agents = runtime.agents(auth).onFailure().recoverWithItem(List.of());
        return Uni.combine().all().unis(suites, agents).asTuple()
                .map(both -> Templates.list(both.getItem1(), both.getItem2(), error));
    }
}

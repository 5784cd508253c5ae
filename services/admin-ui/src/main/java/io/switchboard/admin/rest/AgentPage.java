package io.switchboard.admin.rest;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.RuntimeClient;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestForm;

/** Agents: the list, the form to create one, and starting a chat with one. */
@Path("/")
@Produces(MediaType.TEXT_HTML)
public class AgentPage {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance list(List<RuntimeClient.Agent> agents, String error, NewAgentForm form);
    }

    /** What the operator typed, shown again when it was refused. */
    public record NewAgentForm(String name, String model, String systemPrompt, boolean clock, boolean calculator,
                               boolean calculatorApproval, String onBusy) {
        static final NewAgentForm EMPTY = new NewAgentForm("", "sim", "You are a helpful assistant.", true, true,
                false, "queue");

        List<String> approvalRequired() {
            return calculator && calculatorApproval ? List.of("calculator") : List.of();
        }

        List<String> tools() {
            List<String> tools = new java.util.ArrayList<>();
            if (clock) {
                tools.add("clock");
            }
            if (calculator) {
                tools.add("calculator");
            }
            return tools;
        }
    }

    private final RuntimeClient runtime;

    public AgentPage(@RestClient RuntimeClient runtime) {
        this.runtime = runtime;
    }

    @GET
    public Response home() {
        return Response.seeOther(URI.create("/agents")).build();
    }

    @GET
    @Path("agents")
    public Uni<TemplateInstance> list() {
        return page(null, NewAgentForm.EMPTY);
    }

    @POST
    @Path("agents")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> create(@RestForm String name, @RestForm String model, @RestForm String systemPrompt,
                                @RestForm String clock, @RestForm String calculator,
                                @RestForm String calculatorApproval, @RestForm String onBusy) {
        NewAgentForm form = new NewAgentForm(name, model, systemPrompt, clock != null, calculator != null,
                calculatorApproval != null, onBusy == null ? "queue" : onBusy);
        return runtime.createAgent(new RuntimeClient.NewAgent(name, model, systemPrompt, form.tools(),
                        form.approvalRequired(), form.onBusy()))
                .map(agent -> Response.seeOther(URI.create("/agents")).build())
                .onFailure().recoverWithUni(e -> page(Problems.describe(e), form)
                        .map(html -> Response.status(Problems.status(e)).entity(html).build()));
    }

    /** Opens a new session with the agent and goes to its chat. */
    @POST
    @Path("agents/{id}/sessions")
    public Uni<Response> chat(@PathParam("id") String agentId) {
        return runtime.createSession(new RuntimeClient.NewSession(agentId))
                .map(session -> Response.seeOther(URI.create("/sessions/" + session.id())).build());
    }

    private Uni<TemplateInstance> page(String error, NewAgentForm form) {
        return runtime.agents().onFailure().recoverWithItem(List.of())
                .map(agents -> Templates.list(agents, error, form));
    }
}

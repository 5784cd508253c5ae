package io.switchboard.admin.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.RuntimeClient;
import io.switchboard.auth.Role;
import jakarta.annotation.security.PermitAll;
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
import java.util.List;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestForm;

/**
 * Agents: the list, the form to create one, starting a chat with one, and an agent's page: its versions (publish one,
 * or roll back to an older one) and its whole definition as JSON, saved as a new version.
 */
@Path("/")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed(Role.VIEWER_NAME)
public class AgentPage {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance list(List<RuntimeClient.Agent> agents, String error, NewAgentForm form);

        static native TemplateInstance agent(String id, String name, List<Version> versions, int published,
                                             String definition, boolean publish, List<RuntimeClient.Tool> tools,
                                             String error);
    }

    /** A row of the versions table. */
    public record Version(int version, String model, String tools, String generation, String createdAt) {
    }

    /** What the API sends with a version but does not take back in an edit. */
    private static final List<String> NOT_EDITABLE = List.of("id", "version", "createdAt", "publishedVersion",
            "latestVersion");
    private static final ObjectMapper JSON = new ObjectMapper();

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
    @PermitAll
    public Response home() {
        return Response.seeOther(URI.create("/agents")).build();
    }

    /** For browsers and tools that ask for the icon without reading a page's head. */
    @GET
    @PermitAll
    @Path("favicon.ico")
    public Response favicon() {
        return Response.status(Response.Status.MOVED_PERMANENTLY).location(URI.create("/static/favicon.svg")).build();
    }

    @GET
    @Path("agents")
    public Uni<TemplateInstance> list(SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return page(auth, null, NewAgentForm.EMPTY);
    }

    @POST
    @Path("agents")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> create(@RestForm String name, @RestForm String model, @RestForm String systemPrompt,
                                @RestForm String clock, @RestForm String calculator,
                                @RestForm String calculatorApproval, @RestForm String onBusy, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        NewAgentForm form = new NewAgentForm(name, model, systemPrompt, clock != null, calculator != null,
                calculatorApproval != null, onBusy == null ? "queue" : onBusy);
        return runtime.createAgent(auth, new RuntimeClient.NewAgent(name, model, systemPrompt, form.tools(),
                        form.approvalRequired(), form.onBusy()))
                .map(agent -> Response.seeOther(URI.create("/agents")).build())
                .onFailure().recoverWithUni(e -> page(auth, Problems.describe(e), form)
                        .map(html -> Response.status(Problems.status(e)).entity(html).build()));
    }

    @GET
    @Path("agents/{id}")
    public Uni<TemplateInstance> agent(@PathParam("id") String id, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return agentPage(auth, id, null, true, null);
    }

    /** Saves the edited definition as the agent's next version; refused, the page shows why with the text kept. */
    @POST
    @Path("agents/{id}/versions")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> edit(@PathParam("id") String id, @RestForm String definition, @RestForm String publish, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        JsonNode parsed;
        try {
            parsed = JSON.readTree(definition == null ? "" : definition);
        } catch (JsonProcessingException e) {
            return badRequest(auth, id, definition, publish, "not valid JSON: " + e.getOriginalMessage());
        }
        if (!(parsed instanceof ObjectNode edited)) {
            return badRequest(auth, id, definition, publish, "the definition must be a JSON object");
        }
        NOT_EDITABLE.forEach(edited::remove);
        edited.put("publish", publish != null);
        return runtime.editAgent(auth, id, edited)
                .map(saved -> Response.seeOther(URI.create("/agents/" + id)).build())
                .onFailure().recoverWithUni(e -> agentPage(auth, id, definition, publish != null, Problems.describe(e))
                        .map(html -> Response.status(Problems.status(e)).entity(html).build()));
    }

    private Uni<Response> badRequest(String auth, String id, String definition, String publish, String problem) {
        return agentPage(auth, id, definition, publish != null, problem).map(html -> Response.status(400).entity(html).build());
    }

    /** Makes a version the one new sessions get: the newest, or an older one to roll back. */
    @POST
    @Path("agents/{id}/publish")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> publish(@PathParam("id") String id, @RestForm int version, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.publish(auth, id, new RuntimeClient.Publish(version))
                .map(published -> Response.seeOther(URI.create("/agents/" + id)).build())
                .onFailure().recoverWithUni(e -> agentPage(auth, id, null, true, Problems.describe(e))
                        .map(html -> Response.status(Problems.status(e)).entity(html).build()));
    }

    /**
     * The agent's page; {@code definition} is the text to show in the editor (null: the published version's, as
     * JSON without what is not editable).
     */
    private Uni<TemplateInstance> agentPage(String auth, String id, String definition, boolean publish, String error) {
        return Uni.combine().all().unis(runtime.versions(auth, id), runtime.tools(auth).onFailure().recoverWithItem(List.of()))
                .with((versions, tools) -> {
                    ObjectNode newest = versions.get(0);
                    int published = newest.path("publishedVersion").asInt();
                    ObjectNode current = versions.stream().filter(v -> v.path("version").asInt() == published)
                            .findFirst().orElse(newest).deepCopy();
                    NOT_EDITABLE.forEach(current::remove);
                    if (current.path("generation").isObject()) {
                        current.set("generation", setOnly((ObjectNode) current.get("generation")));
                    }
                    List<Version> rows = versions.stream().map(v -> new Version(v.path("version").asInt(),
                            v.path("model").asText(), String.join(", ", JSON.convertValue(v.path("tools"),
                                    String[].class)), summary(v.path("generation")), v.path("createdAt").asText()))
                            .toList();
                    return Templates.agent(id, current.path("name").asText(), rows, published,
                            definition != null ? definition : current.toPrettyString(), publish, tools, error);
                });
    }

    /** The generation settings that are set (the editor need not list every default). */
    private static ObjectNode setOnly(ObjectNode generation) {
        ObjectNode set = JSON.createObjectNode();
        generation.fields().forEachRemaining(field -> {
            boolean unset = field.getValue().isNull() || field.getKey().equals("dropUnsupported")
                    && !field.getValue().asBoolean();
            if (!unset) {
                set.set(field.getKey(), field.getValue());
            }
        });
        return set;
    }

    /** "temperature 0.2, maxOutputTokens 40, toolChoice none", or "defaults". */
    static String summary(JsonNode generation) {
        if (!generation.isObject()) {
            return "defaults";
        }
        List<String> parts = new java.util.ArrayList<>();
        setOnly((ObjectNode) generation).fields().forEachRemaining(field -> {
            JsonNode value = field.getValue();
            String shown = field.getKey().equals("toolChoice") ? value.path("mode").asText()
                    + (value.hasNonNull("name") ? " " + value.get("name").asText() : "")
                    : value.isTextual() ? value.asText() : value.toString();
            parts.add(field.getKey() + " " + shown);
        });
        return parts.isEmpty() ? "defaults" : String.join(", ", parts);
    }

    /** Opens a new session with the agent and goes to its chat. */
    @POST
    @Path("agents/{id}/sessions")
    public Uni<Response> chat(@PathParam("id") String agentId, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return runtime.createSession(auth, new RuntimeClient.NewSession(agentId))
                .map(session -> Response.seeOther(URI.create("/sessions/" + session.id())).build());
    }

    private Uni<TemplateInstance> page(String auth, String error, NewAgentForm form) {
        return runtime.agents(auth).onFailure().recoverWithItem(List.of())
                .map(agents -> Templates.list(agents, error, form));
    }
}

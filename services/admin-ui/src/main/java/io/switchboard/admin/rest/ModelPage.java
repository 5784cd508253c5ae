package io.switchboard.admin.rest;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.GatewayClient;
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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestForm;

/** Models: the gateway's deployments (keys write-only) and aliases. */
@Path("/models")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed(Role.VIEWER_NAME)
public class ModelPage {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance list(List<GatewayClient.Deployment> deployments,
                                            Map<String, GatewayClient.Alias> aliases, String error);
    }

    private final GatewayClient gateway;

    public ModelPage(@RestClient GatewayClient gateway) {
        this.gateway = gateway;
    }

    @GET
    public Uni<TemplateInstance> list(SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return page(auth, null);
    }

    /** Adds or replaces a deployment; an empty key field keeps the stored key. */
    @POST
    @Path("/deployments")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> put(@RestForm String name, @RestForm String provider, @RestForm String baseUrl,
                             @RestForm String model, @RestForm String apiKey, @RestForm Integer weight,
                             @RestForm Integer maxConcurrent, @RestForm Integer requestsPerMinute,
                             @RestForm Integer tokensPerMinute, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        String key = apiKey == null || apiKey.isBlank() ? null : apiKey;
        return gateway.putDeployment(auth, name == null ? "" : name.strip(), new GatewayClient.DeploymentInput(provider,
                        baseUrl, model, key, null, weight, maxConcurrent, requestsPerMinute, tokensPerMinute))
                .map(saved -> Response.seeOther(URI.create("/models")).build())
                .onFailure().recoverWithUni(e -> failed(auth, e));
    }

    @POST
    @Path("/deployments/{name}/delete")
    public Uni<Response> delete(@PathParam("name") String name, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        return gateway.deleteDeployment(auth, name).map(x -> Response.seeOther(URI.create("/models")).build())
                .onFailure().recoverWithUni(e -> failed(auth, e));
    }

    /** Creates or replaces an alias from a comma-separated list of deployments and a strategy. */
    @POST
    @Path("/aliases")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> alias(@RestForm String name, @RestForm String deployments, @RestForm String strategy, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        List<String> members = Arrays.stream((deployments == null ? "" : deployments).split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).toList();
        return gateway.putAlias(auth, name == null ? "" : name.strip(), new GatewayClient.AliasInput(members, strategy))
                .map(x -> Response.seeOther(URI.create("/models")).build())
                .onFailure().recoverWithUni(e -> failed(auth, e));
    }

    private Uni<Response> failed(String auth, Throwable e) {
        return page(auth, Problems.describe(e)).map(html -> Response.status(Problems.status(e)).entity(html).build());
    }

    private Uni<TemplateInstance> page(String auth, String error) {
        return Uni.combine().all().unis(gateway.deployments(auth), gateway.aliases(auth)).asTuple()
                .map(both -> Templates.list(both.getItem1(), both.getItem2(), error))
                .onFailure().recoverWithItem(e -> Templates.list(List.of(), Map.of(),
                        error != null ? error : Problems.describe(e)));
    }
}

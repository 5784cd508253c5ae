package io.switchboard.admin.rest;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.GatewayClient;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.resteasy.reactive.RestForm;

/** Models: the gateway's deployments (keys write-only) and aliases. */
@Path("/models")
@Produces(MediaType.TEXT_HTML)
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
    public Uni<TemplateInstance> list() {
        return page(null);
    }

    /** Adds or replaces a deployment; an empty key field keeps the stored key. */
    @POST
    @Path("/deployments")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> put(@RestForm String name, @RestForm String provider, @RestForm String baseUrl,
                             @RestForm String model, @RestForm String apiKey, @RestForm Integer weight,
                             @RestForm Integer maxConcurrent, @RestForm Integer requestsPerMinute,
                             @RestForm Integer tokensPerMinute) {
        String key = apiKey == null || apiKey.isBlank() ? null : apiKey;
        return gateway.putDeployment(name == null ? "" : name.strip(), new GatewayClient.DeploymentInput(provider,
                        baseUrl, model, key, null, weight, maxConcurrent, requestsPerMinute, tokensPerMinute))
                .map(saved -> Response.seeOther(URI.create("/models")).build())
                .onFailure().recoverWithUni(e -> failed(e));
    }

    @POST
    @Path("/deployments/{name}/delete")
    public Uni<Response> delete(@PathParam("name") String name) {
        return gateway.deleteDeployment(name).map(x -> Response.seeOther(URI.create("/models")).build())
                .onFailure().recoverWithUni(e -> failed(e));
    }

    /** Creates or replaces an alias from a comma-separated list of deployments and a strategy. */
    @POST
    @Path("/aliases")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> alias(@RestForm String name, @RestForm String deployments, @RestForm String strategy) {
        List<String> members = Arrays.stream((deployments == null ? "" : deployments).split(","))
                .map(String::strip).filter(s -> !s.isEmpty()).toList();
        return gateway.putAlias(name == null ? "" : name.strip(), new GatewayClient.AliasInput(members, strategy))
                .map(x -> Response.seeOther(URI.create("/models")).build())
                .onFailure().recoverWithUni(e -> failed(e));
    }

    private Uni<Response> failed(Throwable e) {
        return page(Problems.describe(e)).map(html -> Response.status(Problems.status(e)).entity(html).build());
    }

    private Uni<TemplateInstance> page(String error) {
        return Uni.combine().all().unis(gateway.deployments(), gateway.aliases()).asTuple()
                .map(both -> Templates.list(both.getItem1(), both.getItem2(), error))
                .onFailure().recoverWithItem(e -> Templates.list(List.of(), Map.of(),
                        error != null ? error : Problems.describe(e)));
    }
}

package io.switchboard.admin.rest;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.GatewayClient;
import io.switchboard.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/** LLM usage and cost: grouped by model, deployment, agent or API key; by day; and the latest calls. */
@Path("/usage")
@Produces(MediaType.TEXT_HTML)
@RolesAllowed(Role.VIEWER_NAME)
public class UsagePage {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance show(String by, List<String> groupings, List<GatewayClient.UsageRow> grouped,
                                            List<GatewayClient.UsageRow> byDay, List<GatewayClient.Call> calls,
                                            String error);
    }

    private static final List<String> GROUPINGS = List.of("model", "deployment", "agent", "key");

    private final GatewayClient gateway;

    public UsagePage(@RestClient GatewayClient gateway) {
        this.gateway = gateway;
    }

    @GET
    public Uni<TemplateInstance> show(@QueryParam("by") String requested, SecurityContext security) {
        String auth = SignedIn.bearer(security);
        String by = requested != null && GROUPINGS.contains(requested) ? requested : "model";
        return Uni.combine().all().unis(gateway.usage(auth, by), gateway.usage(auth, "day"), gateway.calls(auth, 50)).asTuple()
                .map(all -> Templates.show(by, GROUPINGS, all.getItem1(), all.getItem2(), all.getItem3(), null))
                .onFailure().recoverWithItem(e -> Templates.show(by, GROUPINGS, List.of(), List.of(), List.of(),
                        Problems.describe(e)));
    }
}

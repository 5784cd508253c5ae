package io.switchboard.admin.rest;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.mutiny.Uni;
import io.switchboard.admin.client.GatewayClient;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/** LLM usage and cost: by model, by day, and the latest calls. */
@Path("/usage")
@Produces(MediaType.TEXT_HTML)
public class UsagePage {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance show(List<GatewayClient.UsageRow> byModel, List<GatewayClient.UsageRow> byDay,
                                            List<GatewayClient.Call> calls, String error);
    }

    private final GatewayClient gateway;

    public UsagePage(@RestClient GatewayClient gateway) {
        this.gateway = gateway;
    }

    @GET
    public Uni<TemplateInstance> show() {
        return Uni.combine().all().unis(gateway.usage("model"), gateway.usage("day"), gateway.calls(50)).asTuple()
                .map(all -> Templates.show(all.getItem1(), all.getItem2(), all.getItem3(), null))
                .onFailure().recoverWithItem(e -> Templates.show(List.of(), List.of(), List.of(),
                        Problems.describe(e)));
    }
}

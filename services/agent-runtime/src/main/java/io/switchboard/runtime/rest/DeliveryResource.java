package io.switchboard.runtime.rest;

import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.triggers.Webhooks;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;

/** Webhook deliveries: they carry no token, their signature is their authentication (see {@link Webhooks}). */
@Path("/hooks")
public class DeliveryResource {
    private final Webhooks webhooks;
    private final RuntimeConfig config;

    public DeliveryResource(Webhooks webhooks, RuntimeConfig config) {
        this.webhooks = webhooks;
        this.config = config;
    }

    /** What a delivery started; {@code replayed}: its id was taken before, and nothing more was started. */
    public record Delivered(UUID turnId, UUID sessionId, boolean replayed) {
    }

    /**
     * A delivery: 202 with the turn it starts and its session; 200 with the same for a delivery id taken before (and
     * nothing started); 401 for a signature that is missing, wrong or too old; 413 for a body over the limit.
     */
    @POST
    @Path("/{id}")
    @Consumes(MediaType.WILDCARD)
    @PermitAll
    public Uni<Response> deliver(@PathParam("id") String id, @HeaderParam("Switchboard-Delivery") String deliveryId,
                                 @HeaderParam("Switchboard-Signature") String signature, byte[] body) {
        if (body != null && body.length > config.webhooks().maxBodyBytes()) {
            throw Problem.tooLarge("a delivery's body is at most " + config.webhooks().maxBodyBytes() + " bytes");
        }
        return webhooks.deliver(Ids.parse(id, "webhook"), deliveryId, signature, body == null ? new byte[0] : body)
                .map(taken -> Response.status(taken.fresh() ? 202 : 200).entity(new Delivered(
                        taken.delivery().turnId(), taken.delivery().sessionId(), !taken.fresh())).build());
    }
}

package io.switchboard.gateway.routing;

import io.switchboard.gateway.provider.ChatProvider;
import java.util.List;
import java.util.UUID;

/** Where a model's requests can go, in order of preference, and the adapter for each place. */
public interface RouteTable {

    /** The deployments serving {@code model} for the organization, in order; empty when none does. */
    List<Deployment> route(UUID orgId, String model);

    ChatProvider provider(Deployment deployment);

    /** How an alias spreads its requests: {@code priority} (in order), {@code weighted} or {@code least-busy}. */
    default String strategy(UUID orgId, String model) {
        return "priority";
    }

    /** The deployment's weight and limits. */
    default Limits limits(Deployment deployment) {
        return Limits.NONE;
    }

    /** The model to retry a request on when it is too long for {@code model}'s context window, or null. */
    default String contextFallback(String model) {
        return null;
    }
}

package io.switchboard.gateway.routing;

import io.switchboard.gateway.provider.ChatProvider;
import java.util.List;

/** Where a model's requests can go, in order of preference, and the adapter for each place. */
public interface RouteTable {

    /** The deployments serving {@code model}, in order; empty when none does. */
    List<Deployment> route(String model);

    ChatProvider provider(Deployment deployment);
}

package io.switchboard.runtime;

import io.modelcontextprotocol.spec.McpSchema;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.switchboard.runtime.rest.DeliveryResource;
import io.switchboard.runtime.rest.IdentityResource;
import io.switchboard.runtime.rest.SessionResource;
import io.switchboard.runtime.rest.WebhookResource;
import io.switchboard.runtime.triggers.Schedules;
import io.switchboard.runtime.triggers.StartTurn;

/**
 * For native executables only (JVM mode ignores it): records written by Jackson outside REST signatures (SSE
 * snapshots, job data, bodies sent in a {@code Response}) and the MCP SDK's schema.
 */
@RegisterForReflection(ignoreNested = false, targets = {SessionResource.SessionSnapshot.class, Schedules.Tick.class,
        StartTurn.Turn.class, IdentityResource.OrgCreated.class, IdentityResource.TokenCreated.class,
        WebhookResource.WebhookSecret.class, DeliveryResource.Delivered.class, McpSchema.class})
final class NativeReflection {
    private NativeReflection() {
    }
}

package io.switchboard.traces;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Which organizations capture content ({@code identity.orgs.capture_content}): the spans of all their model and tool
 * calls carry what was sent and answered. Read again every few seconds, so no call waits on the database for it; a
 * change made on this replica counts at once, on the others within that time.
 */
@ApplicationScoped
public class ContentCapture {
    private static final Logger LOG = Logger.getLogger(ContentCapture.class);

    private final Pool pool;
    private volatile Set<UUID> capturing = Set.of();

    public ContentCapture(Pool pool) {
        this.pool = pool;
    }

    /** Whether the organization captures content; false for none. */
    public boolean of(UUID orgId) {
        return orgId != null && capturing.contains(orgId);
    }

    /** The organization's choice changed on this replica: it counts here at once. */
    public void changed(UUID orgId, boolean capture) {
        Set<UUID> orgs = new HashSet<>(capturing);
        if (capture) {
            orgs.add(orgId);
        } else {
            orgs.remove(orgId);
        }
        capturing = Set.copyOf(orgs);
    }

    @Scheduled(every = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> read() {
        return pool.query("select id from identity.orgs where capture_content").execute()
                .invoke(rows -> {
                    Set<UUID> orgs = new HashSet<>();
                    rows.forEach(row -> orgs.add(row.getUUID("id")));
                    capturing = Set.copyOf(orgs);
                })
                .replaceWithVoid()
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("could not read which organizations capture content: %s", e.getMessage());
                    return null;
                });
    }
}

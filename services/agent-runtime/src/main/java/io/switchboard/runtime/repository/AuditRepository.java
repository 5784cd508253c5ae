package io.switchboard.runtime.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Reads {@code identity.audit}, an organization at a time (the services append to it; nothing changes it). */
@ApplicationScoped
public class AuditRepository {
    private final Pool pool;

    public AuditRepository(Pool pool) {
        this.pool = pool;
    }

    /** One entry: {@code changes} is what the write left behind (or why it was refused), secrets left out. */
    public record Entry(long id, Instant at, String actor, String source, String service, String action,
                        String resource, int status, Map<String, Object> changes) {
    }

    /** Null fields do not filter. */
    public record Filter(String actor, String action, String service, Instant from, Instant to, long before,
                         int limit) {
    }

    public Uni<List<Entry>> list(UUID orgId, Filter f) {
        return pool.preparedQuery("select * from identity.audit where org_id = $1 and id < $2"
                        + " and ($3::text is null or strpos(actor, $3) > 0)"
                        + " and ($4::text is null or strpos(action, $4) > 0)"
                        + " and ($5::text is null or service = $5)"
                        + " and ($6::timestamptz is null or at >= $6) and ($7::timestamptz is null or at < $7)"
                        + " order by id desc limit $8")
                .execute(Tuple.from(new Object[] {orgId, f.before(), f.actor(), f.action(), f.service(),
                        f.from() == null ? null : f.from().atOffset(ZoneOffset.UTC),
                        f.to() == null ? null : f.to().atOffset(ZoneOffset.UTC), f.limit()}))
                .map(rows -> {
                    List<Entry> entries = new ArrayList<>();
                    rows.forEach(row -> {
                        Object changes = row.getValue("changes");
                        entries.add(new Entry(row.getLong("id"), row.getOffsetDateTime("at").toInstant(),
                                row.getString("actor"), row.getString("source"), row.getString("service"),
                                row.getString("action"), row.getString("resource"), row.getInteger("status"),
                                changes instanceof JsonObject json ? json.getMap() : null));
                    });
                    return entries;
                });
    }
}

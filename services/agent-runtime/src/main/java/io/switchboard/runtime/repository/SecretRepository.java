package io.switchboard.runtime.repository;

import io.smallrye.mutiny.Uni;
import io.switchboard.crypto.SecretCipher;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Sealed secrets by name ({@code runtime.secrets}); values are never read back out through the API. */
@ApplicationScoped
public class SecretRepository {
    private final Pool pool;

    public SecretRepository(Pool pool) {
        this.pool = pool;
    }

    /** A secret's name, the hosts it may be sent to and when it was last set: all that is ever shown of it. */
    public record SecretInfo(String name, List<String> hosts, Instant updatedAt) {
    }

    /** A stored secret: its sealed value and the hosts it may be sent to. */
    public record Stored(SecretCipher.Sealed sealed, List<String> hosts) {
    }

    public Uni<Void> put(UUID orgId, String name, SecretCipher.Sealed sealed, List<String> hosts) {
        return pool.preparedQuery("insert into runtime.secrets (name, key_id, ciphertext, org_id, hosts)"
                        + " values ($1, $2, $3, $4, $5) on conflict (org_id, name) do update set"
                        + " key_id = excluded.key_id, ciphertext = excluded.ciphertext, hosts = excluded.hosts,"
                        + " updated_at = now()")
                .execute(Tuple.of(name, sealed.keyId(), sealed.ciphertext(), orgId, hosts.toArray(new String[0])))
                .replaceWithVoid();
    }

    public Uni<List<SecretInfo>> list(UUID orgId) {
        return pool.preparedQuery("select name, hosts, updated_at from runtime.secrets where org_id = $1 order by name")
                .execute(Tuple.of(orgId)).map(rows -> {
            List<SecretInfo> all = new ArrayList<>();
            rows.forEach(row -> all.add(new SecretInfo(row.getString("name"), List.of(row.getArrayOfStrings("hosts")),
                    row.getOffsetDateTime("updated_at").toInstant())));
            return all;
        });
    }

    /** Those of {@code names} that exist. */
    public Uni<Map<String, Stored>> stored(UUID orgId, List<String> names) {
        return pool.preparedQuery("select name, key_id, ciphertext, hosts from runtime.secrets where name = any($1)"
                        + " and org_id = $2")
                .execute(Tuple.of(names.toArray(new String[0]), orgId)).map(rows -> {
                    Map<String, Stored> found = new HashMap<>();
                    rows.forEach(row -> found.put(row.getString("name"), new Stored(
                            new SecretCipher.Sealed(row.getString("key_id"), row.getString("ciphertext")),
                            List.of(row.getArrayOfStrings("hosts")))));
                    return found;
                });
    }

    /** False when there was no such secret. */
    public Uni<Boolean> delete(UUID orgId, String name) {
        return pool.preparedQuery("delete from runtime.secrets where name = $1 and org_id = $2")
                .execute(Tuple.of(name, orgId))
                .map(rows -> rows.rowCount() == 1);
    }
}

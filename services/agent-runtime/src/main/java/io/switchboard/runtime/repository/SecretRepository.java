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

    /** A secret's name and when it was last set: all that is ever shown of it. */
    public record SecretInfo(String name, Instant updatedAt) {
    }

    public Uni<Void> put(UUID orgId, String name, SecretCipher.Sealed sealed) {
        return pool.preparedQuery("insert into runtime.secrets (name, key_id, ciphertext, org_id) values ($1, $2, $3, $4)"
                        + " on conflict (org_id, name) do update set key_id = excluded.key_id, ciphertext = excluded.ciphertext,"
                        + " updated_at = now()")
                .execute(Tuple.of(name, sealed.keyId(), sealed.ciphertext(), orgId)).replaceWithVoid();
    }

    public Uni<List<SecretInfo>> list(UUID orgId) {
        return pool.preparedQuery("select name, updated_at from runtime.secrets where org_id = $1 order by name")
                .execute(Tuple.of(orgId)).map(rows -> {
            List<SecretInfo> all = new ArrayList<>();
            rows.forEach(row -> all.add(new SecretInfo(row.getString("name"),
                    row.getOffsetDateTime("updated_at").toInstant())));
            return all;
        });
    }

    /** The sealed values of those of {@code names} that exist. */
    public Uni<Map<String, SecretCipher.Sealed>> sealed(UUID orgId, List<String> names) {
        return pool.preparedQuery("select name, key_id, ciphertext from runtime.secrets where name = any($1)"
                        + " and org_id = $2")
                .execute(Tuple.of(names.toArray(new String[0]), orgId)).map(rows -> {
                    Map<String, SecretCipher.Sealed> found = new HashMap<>();
                    rows.forEach(row -> found.put(row.getString("name"),
                            new SecretCipher.Sealed(row.getString("key_id"), row.getString("ciphertext"))));
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

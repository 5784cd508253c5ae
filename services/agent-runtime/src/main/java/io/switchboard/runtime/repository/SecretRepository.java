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

    public Uni<Void> put(String name, SecretCipher.Sealed sealed) {
        return pool.preparedQuery("insert into runtime.secrets (name, key_id, ciphertext) values ($1, $2, $3)"
                        + " on conflict (name) do update set key_id = excluded.key_id, ciphertext = excluded.ciphertext,"
                        + " updated_at = now()")
                .execute(Tuple.of(name, sealed.keyId(), sealed.ciphertext())).replaceWithVoid();
    }

    public Uni<List<SecretInfo>> list() {
        return pool.query("select name, updated_at from runtime.secrets order by name").execute().map(rows -> {
            List<SecretInfo> all = new ArrayList<>();
            rows.forEach(row -> all.add(new SecretInfo(row.getString("name"),
                    row.getOffsetDateTime("updated_at").toInstant())));
            return all;
        });
    }

    /** The sealed values of those of {@code names} that exist. */
    public Uni<Map<String, SecretCipher.Sealed>> sealed(List<String> names) {
        return pool.preparedQuery("select name, key_id, ciphertext from runtime.secrets where name = any($1)")
                .execute(Tuple.of(names.toArray(new String[0]))).map(rows -> {
                    Map<String, SecretCipher.Sealed> found = new HashMap<>();
                    rows.forEach(row -> found.put(row.getString("name"),
                            new SecretCipher.Sealed(row.getString("key_id"), row.getString("ciphertext"))));
                    return found;
                });
    }

    /** False when there was no such secret. */
    public Uni<Boolean> delete(String name) {
        return pool.preparedQuery("delete from runtime.secrets where name = $1").execute(Tuple.of(name))
                .map(rows -> rows.rowCount() == 1);
    }
}

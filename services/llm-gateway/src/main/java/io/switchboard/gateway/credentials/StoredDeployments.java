package io.switchboard.gateway.credentials;

import io.switchboard.crypto.SecretCipher;
import io.smallrye.mutiny.Uni;
import io.switchboard.gateway.routing.Alias;
import io.switchboard.gateway.routing.Limits;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Deployments and aliases kept in {@code gateway.deployments}/{@code gateway.aliases}; keys only ever sealed. */
@ApplicationScoped
public class StoredDeployments {

    /** A stored deployment; {@code apiKey} is sealed (null when it has none). */
    public record Stored(String name, String provider, String baseUrl, String model, int maxRetries,
                         SecretCipher.Sealed apiKey, Limits limits) {
    }


    private final Pool pool;

    public StoredDeployments(Pool pool) {
        this.pool = pool;
    }

    public Uni<List<Stored>> all() {
        return pool.query("select * from gateway.deployments order by name").execute().map(rows -> {
            List<Stored> all = new ArrayList<>();
            rows.forEach(row -> all.add(toStored(row)));
            return all;
        });
    }

    public Uni<Map<String, Alias>> aliases() {
        return pool.query("select * from gateway.aliases order by name").execute().map(rows -> {
            Map<String, Alias> all = new LinkedHashMap<>();
            rows.forEach(row -> all.put(row.getString("name"), new Alias(
                    Arrays.asList(row.getArrayOfStrings("deployments")), row.getString("strategy"))));
            return all;
        });
    }

    /** Creates or replaces a deployment; a null {@code apiKey} keeps the stored one. */
    public Uni<Void> put(String name, String provider, String baseUrl, String model, int maxRetries,
                         SecretCipher.Sealed apiKey, Limits limits) {
        return pool.preparedQuery("insert into gateway.deployments (name, provider, base_url, model, max_retries,"
                        + " api_key_key_id, api_key_sealed, weight, max_concurrent, requests_per_minute,"
                        + " tokens_per_minute) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                        + " on conflict (name) do update set provider = $2, base_url = $3, model = $4,"
                        + " max_retries = $5, api_key_key_id = coalesce($6, gateway.deployments.api_key_key_id),"
                        + " api_key_sealed = coalesce($7, gateway.deployments.api_key_sealed), weight = $8,"
                        + " max_concurrent = $9, requests_per_minute = $10, tokens_per_minute = $11,"
                        + " updated_at = now()")
                .execute(Tuple.from(new Object[] {name, provider, baseUrl, model, maxRetries,
                        apiKey == null ? null : apiKey.keyId(), apiKey == null ? null : apiKey.ciphertext(),
                        limits.weight(), limits.maxConcurrent(), limits.requestsPerMinute(),
                        limits.tokensPerMinute()}))
                .replaceWithVoid();
    }

    /** False when there was no such deployment. */
    public Uni<Boolean> delete(String name) {
        return pool.preparedQuery("delete from gateway.deployments where name = $1").execute(Tuple.of(name))
                .map(rows -> rows.rowCount() == 1);
    }

    public Uni<Void> putAlias(String name, Alias alias) {
        return pool.preparedQuery("insert into gateway.aliases (name, deployments, strategy) values ($1, $2, $3)"
                        + " on conflict (name) do update set deployments = $2, strategy = $3, updated_at = now()")
                .execute(Tuple.of(name, alias.deployments().toArray(new String[0]), alias.strategy()))
                .replaceWithVoid();
    }

    /**
     * Re-seals, one row at a time, every key not sealed with the cipher's current master key. Rows are read and
     * written in one statement each, guarded by the old ciphertext, so a concurrent update is never overwritten.
     * Gives the number of rows re-sealed.
     */
    public Uni<Integer> reseal(SecretCipher cipher) {
        return pool.preparedQuery("select name, api_key_key_id, api_key_sealed from gateway.deployments"
                        + " where api_key_sealed is not null and api_key_key_id <> $1")
                .execute(Tuple.of(cipher.currentKeyId()))
                .onItem().transformToMulti(rows -> io.smallrye.mutiny.Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate(row -> {
                    String name = row.getString("name");
                    SecretCipher.Sealed old = new SecretCipher.Sealed(row.getString("api_key_key_id"),
                            row.getString("api_key_sealed"));
                    SecretCipher.Sealed fresh = cipher.encrypt(cipher.decrypt(old, name), name);
                    return pool.preparedQuery("update gateway.deployments set api_key_key_id = $2,"
                                    + " api_key_sealed = $3 where name = $1 and api_key_sealed = $4")
                            .execute(Tuple.of(name, fresh.keyId(), fresh.ciphertext(), old.ciphertext()))
                            .map(updated -> updated.rowCount());
                })
                .collect().with(java.util.stream.Collectors.summingInt(Integer::intValue));
    }

    private static Stored toStored(Row row) {
        String sealed = row.getString("api_key_sealed");
        return new Stored(row.getString("name"), row.getString("provider"), row.getString("base_url"),
                row.getString("model"), row.getInteger("max_retries"),
                sealed == null ? null : new SecretCipher.Sealed(row.getString("api_key_key_id"), sealed),
                new Limits(row.getInteger("weight"), row.getInteger("max_concurrent"),
                        row.getInteger("requests_per_minute"), row.getInteger("tokens_per_minute")));
    }
}

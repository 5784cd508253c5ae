package io.switchboard.gateway.credentials;

import io.smallrye.mutiny.Uni;
import io.switchboard.auth.IdentitySchema;
import io.switchboard.crypto.SecretCipher;
import io.switchboard.gateway.routing.Alias;
import io.switchboard.gateway.routing.Limits;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** Deployments and aliases kept in {@code gateway.deployments}/{@code gateway.aliases}; keys only ever sealed. */
@ApplicationScoped
public class StoredDeployments {

    /** A stored deployment of an organization; {@code apiKey} is sealed (null when it has none). */
    public record Stored(UUID orgId, String name, String provider, String baseUrl, String model, int maxRetries,
                         SecretCipher.Sealed apiKey, Limits limits, boolean dropUnsupported) {
    }

    /** A stored alias of an organization. */
    public record StoredAlias(UUID orgId, String name, Alias alias) {
    }

    /**
     * What a deployment's key is sealed for (bound into the ciphertext): its name, and for any organization but the
     * default one (whose keys were sealed before organizations) the organization too, so a sealed key copied to
     * another organization's row does not open.
     */
    public static String sealedFor(UUID orgId, String name) {
        return orgId == null || orgId.equals(IdentitySchema.DEFAULT_ORG) ? name : orgId + "/" + name;
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

    public Uni<List<StoredAlias>> aliases() {
        return pool.query("select * from gateway.aliases order by name").execute().map(rows -> {
            List<StoredAlias> all = new ArrayList<>();
            rows.forEach(row -> all.add(new StoredAlias(row.getUUID("org_id"), row.getString("name"), new Alias(
                    Arrays.asList(row.getArrayOfStrings("deployments")), row.getString("strategy")))));
            return all;
        });
    }

    /**
     * Creates or replaces the organization's deployment. A null {@code apiKey} keeps the stored one only while the
     * provider and base URL stay as they were: a key is never sent anywhere but where it was given for.
     * Gives whether a stored key was dropped so.
     */
    public Uni<Boolean> put(UUID orgId, String name, String provider, String baseUrl, String model, int maxRetries,
                            SecretCipher.Sealed apiKey, Limits limits, boolean dropUnsupported) {
        String keep = "case when $6::text is null and (gateway.deployments.provider <> $2"
                + " or gateway.deployments.base_url <> $3) then null else coalesce($%d, gateway.deployments.%s) end";
        // "before" sees the row as it was before this statement (one snapshot for the whole statement)
        return pool.preparedQuery("with before as (select api_key_sealed from gateway.deployments"
                        + " where org_id = $12 and name = $1)"
                        + " insert into gateway.deployments (name, provider, base_url, model, max_retries,"
                        + " api_key_key_id, api_key_sealed, weight, max_concurrent, requests_per_minute,"
                        + " tokens_per_minute, org_id, drop_unsupported)"
                        + " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                        + " on conflict (org_id, name) do update set provider = $2, base_url = $3, model = $4,"
                        + " max_retries = $5, api_key_key_id = " + keep.formatted(6, "api_key_key_id") + ","
                        + " api_key_sealed = " + keep.formatted(7, "api_key_sealed") + ", weight = $8,"
                        + " max_concurrent = $9, requests_per_minute = $10, tokens_per_minute = $11,"
                        + " drop_unsupported = $13,"
                        + " updated_at = now()"
                        + " returning (select api_key_sealed is not null from before) and api_key_sealed is null"
                        + " as dropped")
                .execute(Tuple.from(new Object[] {name, provider, baseUrl, model, maxRetries,
                        apiKey == null ? null : apiKey.keyId(), apiKey == null ? null : apiKey.ciphertext(),
                        limits.weight(), limits.maxConcurrent(), limits.requestsPerMinute(),
                        limits.tokensPerMinute(), orgId, dropUnsupported}))
                .map(rows -> Boolean.TRUE.equals(rows.iterator().next().getBoolean("dropped")));
    }

    /** False when the organization has no such deployment. */
    public Uni<Boolean> delete(UUID orgId, String name) {
        return pool.preparedQuery("delete from gateway.deployments where name = $1 and org_id = $2")
                .execute(Tuple.of(name, orgId)).map(rows -> rows.rowCount() == 1);
    }

    public Uni<Void> putAlias(UUID orgId, String name, Alias alias) {
        return pool.preparedQuery("insert into gateway.aliases (name, deployments, strategy, org_id)"
                        + " values ($1, $2, $3, $4) on conflict (org_id, name) do update set deployments = $2,"
                        + " strategy = $3, updated_at = now()")
                .execute(Tuple.of(name, alias.deployments().toArray(new String[0]), alias.strategy(), orgId))
                .replaceWithVoid();
    }

    /**
     * Re-seals, one row at a time, every key not sealed with the cipher's current master key. Rows are read and
     * written in one statement each, guarded by the old ciphertext, so a concurrent update is never overwritten.
     * Gives the number of rows re-sealed.
     */
    public Uni<Integer> reseal(SecretCipher cipher) {
        return pool.preparedQuery("select org_id, name, api_key_key_id, api_key_sealed from gateway.deployments"
                        + " where api_key_sealed is not null and api_key_key_id <> $1")
                .execute(Tuple.of(cipher.currentKeyId()))
                .onItem().transformToMulti(rows -> io.smallrye.mutiny.Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate(row -> {
                    String name = row.getString("name");
                    UUID org = row.getUUID("org_id");
                    SecretCipher.Sealed old = new SecretCipher.Sealed(row.getString("api_key_key_id"),
                            row.getString("api_key_sealed"));
                    String sealedFor = sealedFor(org, name);
                    SecretCipher.Sealed fresh = cipher.encrypt(cipher.decrypt(old, sealedFor), sealedFor);
                    return pool.preparedQuery("update gateway.deployments set api_key_key_id = $2,"
                                    + " api_key_sealed = $3 where name = $1 and api_key_sealed = $4 and org_id = $5")
                            .execute(Tuple.of(name, fresh.keyId(), fresh.ciphertext(), old.ciphertext(), org))
                            .map(updated -> updated.rowCount());
                })
                .collect().with(java.util.stream.Collectors.summingInt(Integer::intValue));
    }

    private static Stored toStored(Row row) {
        String sealed = row.getString("api_key_sealed");
        return new Stored(row.getUUID("org_id"), row.getString("name"), row.getString("provider"), row.getString("base_url"),
                row.getString("model"), row.getInteger("max_retries"),
                sealed == null ? null : new SecretCipher.Sealed(row.getString("api_key_key_id"), sealed),
                new Limits(row.getInteger("weight"), row.getInteger("max_concurrent"),
                        row.getInteger("requests_per_minute"), row.getInteger("tokens_per_minute")),
                row.getBoolean("drop_unsupported"));
    }
}

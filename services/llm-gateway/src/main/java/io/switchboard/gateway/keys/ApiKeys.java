package io.switchboard.gateway.keys;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.switchboard.auth.Tokens;
import io.switchboard.gateway.cost.PriceTable;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Virtual API keys for the front doors: made, listed, revoked, and checked on every request. A check admits the
 * request only if the key is live, under its budget, and under its requests-per-minute limit; the minute's count is a
 * row shared by every replica, bumped atomically, so the limit holds across replicas. A key's record is cached for
 * {@link #CACHE_TTL}, so a revocation or a spent budget takes effect within that time on every replica.
 */
@ApplicationScoped
public class ApiKeys {
    static final String PREFIX = "sk-sb-";
    static final Duration CACHE_TTL = Duration.ofSeconds(5);
    private static final int CACHE_MAX = 100_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key's record as last read; {@code id} null when no live key has the hash. */
    private record Cached(UUID id, UUID orgId, Integer requestsPerMinute, boolean overBudget, String budget,
                          long readAt) {
    }

    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Pool pool;

    public ApiKeys(Pool pool) {
        this.pool = pool;
    }

    /** A key as the API shows it: never the key, only its first characters. */
    public record KeyView(UUID id, String name, String keyPrefix, Integer requestsPerMinute, BigDecimal budgetUsd,
                          BigDecimal spentUsd, Instant createdAt, Instant revokedAt) {
    }

    /** A new key: the only time the key itself is given out. */
    public record Created(KeyView info, String key) {
    }

    /** Why a request is refused, with the HTTP status and how long to wait (null when waiting will not help). */
    public record Refusal(int status, String code, String message, Duration retryAfter) {
    }

    /**
     * The outcome of a check: the key's id and organization, and whether it has a budget (its calls reserve on it),
     * when admitted; else the refusal.
     */
    public record Check(UUID keyId, UUID orgId, boolean budgeted, Refusal refusal) {
    }

    /** A new key of the organization: its calls see the organization's deployments and are its usage. */
    public Uni<Created> create(UUID orgId, String name, Integer requestsPerMinute, BigDecimal budgetUsd) {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String key = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        return pool.preparedQuery("insert into gateway.api_keys (id, name, key_hash, key_prefix, requests_per_minute,"
                        + " budget_usd, org_id) values ($1, $2, $3, $4, $5, $6, $7) returning *")
                .execute(Tuple.from(new Object[] {UUID.randomUUID(), name, Tokens.hash(key), key.substring(0, 10),
                        requestsPerMinute, budgetUsd, orgId}))
                .map(rows -> new Created(view(rows.iterator().next()), key));
    }

    public Uni<List<KeyView>> list(UUID orgId) {
        return pool.preparedQuery("select * from gateway.api_keys where org_id = $1 order by created_at desc")
                .execute(Tuple.of(orgId))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows)).map(ApiKeys::view)
                .collect().asList();
    }

    /** False when the organization has no such live key. Other replicas notice within the cache time. */
    public Uni<Boolean> revoke(UUID orgId, UUID id) {
        return pool.preparedQuery("update gateway.api_keys set revoked_at = now() where id = $1 and org_id = $2"
                        + " and revoked_at is null")
                .execute(Tuple.of(id, orgId)).map(rows -> {
                    cache.values().removeIf(cached -> id.equals(cached.id()));
                    return rows.rowCount() == 1;
                });
    }

    /** Checks a presented key and counts the request against its minute. */
    public Uni<Check> admit(String presented) {
        if (presented == null || !presented.startsWith(PREFIX)) {
            return Uni.createFrom().item(refused(401, "invalid_api_key", "a valid API key is required", null));
        }
        String hash = Tokens.hash(presented);
        Cached cached = cache.get(hash);
        Uni<Cached> key = cached != null && System.nanoTime() - cached.readAt() < CACHE_TTL.toNanos()
                ? Uni.createFrom().item(cached) : read(hash);
        return key.flatMap(this::check);
    }

    private Uni<Cached> read(String hash) {
        return pool.preparedQuery("select id, org_id, requests_per_minute, budget_usd, spent_usd from gateway.api_keys"
                        + " where key_hash = $1 and revoked_at is null").execute(Tuple.of(hash))
                .map(rows -> {
                    Cached read;
                    if (rows.size() == 0) {
                        read = new Cached(null, null, null, false, null, System.nanoTime());
                    } else {
                        Row row = rows.iterator().next();
                        BigDecimal budget = row.getBigDecimal("budget_usd");
                        read = new Cached(row.getUUID("id"), row.getUUID("org_id"), row.getInteger("requests_per_minute"),
                                budget != null && row.getBigDecimal("spent_usd").compareTo(budget) >= 0,
                                budget == null ? null : budget.stripTrailingZeros().toPlainString(), System.nanoTime());
                    }
                    if (cache.size() > CACHE_MAX) {
                        cache.clear(); // bounded: made-up keys cannot grow it without end
                    }
                    cache.put(hash, read);
                    return read;
                });
    }

    private Uni<Check> check(Cached key) {
        if (key.id() == null) {
            return Uni.createFrom().item(refused(401, "invalid_api_key", "unknown or revoked API key", null));
        }
        if (key.overBudget()) {
            return Uni.createFrom().item(refused(429, "budget_exceeded",
                    "this key has spent its budget of $" + key.budget(), null));
        }
        Integer limit = key.requestsPerMinute();
        if (limit == null) {
            return Uni.createFrom().item(new Check(key.id(), key.orgId(), key.budget() != null, null));
        }
        return pool.preparedQuery("insert into gateway.api_key_windows (key_id, window_start, requests)"
                        + " values ($1, date_trunc('minute', now()), 1) on conflict (key_id, window_start)"
                        + " do update set requests = gateway.api_key_windows.requests + 1"
                        + " returning requests, extract(epoch from (date_trunc('minute', now())"
                        + " + interval '1 minute' - now())) as wait")
                .execute(Tuple.of(key.id())).map(window -> {
                    Row counted = window.iterator().next();
                    if (counted.getInteger("requests") > limit) {
                        long wait = (long) Math.ceil(counted.getDouble("wait"));
                        return refused(429, "rate_limited", "this key is limited to " + limit
                                + " requests per minute", Duration.ofSeconds(Math.max(1, wait)));
                    }
                    return new Check(key.id(), key.orgId(), key.budget() != null, null);
                });
    }

    private static Check refused(int status, String code, String message, Duration retryAfter) {
        return new Check(null, null, false, new Refusal(status, code, message, retryAfter));
    }


    private static KeyView view(Row row) {
        var revoked = row.getOffsetDateTime("revoked_at");
        return new KeyView(row.getUUID("id"), row.getString("name"), row.getString("key_prefix"),
                row.getInteger("requests_per_minute"), PriceTable.plain(row.getBigDecimal("budget_usd")),
                PriceTable.plain(row.getBigDecimal("spent_usd")),
                row.getOffsetDateTime("created_at").toInstant(), revoked == null ? null : revoked.toInstant());
    }
}

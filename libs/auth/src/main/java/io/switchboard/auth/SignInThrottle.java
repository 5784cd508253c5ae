package io.switchboard.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.Locale;

/**
 * Slows password guessing. Only failed sign-ins count: a user name may fail {@code perName} times, then once a minute;
 * an address {@code perAddress} times, then once every 3 seconds (which also bounds the CPU Argon2id checks take).
 * agent-runtime counts user names and the addresses that call it (admin-ui's, for sign-ins through the UI); admin-ui
 * counts the browsers' addresses. Kept per replica, in memory: with N replicas a guesser gets N times the tries.
 */
public final class SignInThrottle {
    private static final Duration NAME_REFILL = Duration.ofMinutes(1);
    private static final Duration ADDRESS_REFILL = Duration.ofSeconds(3);

    private final Cache<String, Bucket> byName = cache();
    private final Cache<String, Bucket> byAddress = cache();
    private final int perName;
    private final int perAddress;

    /** {@code perName} 0: user names are not counted. */
    public SignInThrottle(int perName, int perAddress) {
        this.perName = perName;
        this.perAddress = perAddress;
    }

    private static Cache<String, Bucket> cache() {
        return Caffeine.newBuilder().maximumSize(100_000).expireAfterAccess(Duration.ofHours(1)).build();
    }

    private Bucket name(String username) {
        return perName == 0 || username == null ? null : byName.get(username.toLowerCase(Locale.ROOT),
                x -> bucket(perName, NAME_REFILL));
    }

    private Bucket address(String address) {
        return byAddress.get(address == null ? "unknown" : address, x -> bucket(perAddress, ADDRESS_REFILL));
    }

    private static Bucket bucket(int capacity, Duration refill) {
        return Bucket.builder().addLimit(limit -> limit.capacity(capacity).refillGreedy(1, refill)).build();
    }

    /** How long the caller must wait before this sign-in may be tried, or {@link Duration#ZERO}. */
    public Duration wait(String username, String address) {
        Bucket name = name(username);
        long nanos = Math.max(name == null ? 0 : name.estimateAbilityToConsume(1).getNanosToWaitForRefill(),
                address(address).estimateAbilityToConsume(1).getNanosToWaitForRefill());
        return Duration.ofNanos(nanos);
    }

    /** Counts a failed sign-in. */
    public void failed(String username, String address) {
        Bucket name = name(username);
        if (name != null) {
            name.tryConsume(1);
        }
        address(address).tryConsume(1);
    }
}

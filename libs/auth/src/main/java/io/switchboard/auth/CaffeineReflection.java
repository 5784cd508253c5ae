package io.switchboard.auth;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * For native executables only (JVM mode ignores it): the cache classes Caffeine picks by name for the builders the
 * services use (size and/or time bounds, with and without weights).
 */
@RegisterForReflection(fields = true, classNames = {"com.github.benmanes.caffeine.cache.SSMSA",
        "com.github.benmanes.caffeine.cache.PSAMS", "com.github.benmanes.caffeine.cache.SSMSW",
        "com.github.benmanes.caffeine.cache.PSWMS", "com.github.benmanes.caffeine.cache.SSMWA",
        "com.github.benmanes.caffeine.cache.PSAMW"})
final class CaffeineReflection {
    private CaffeineReflection() {
    }
}

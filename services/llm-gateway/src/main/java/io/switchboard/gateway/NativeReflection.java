package io.switchboard.gateway;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.switchboard.gateway.keys.ApiKeys;

/** For native executables only (JVM mode ignores it): a body sent in a {@code Response}, outside REST signatures. */
@RegisterForReflection(targets = ApiKeys.Created.class)
final class NativeReflection {
    private NativeReflection() {
    }
}

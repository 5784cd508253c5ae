package io.switchboard.auth;

import io.smallrye.mutiny.Uni;

/** Finds who holds a bearer token: a {@link Caller}, or null when the token is unknown, expired or revoked. */
public interface CallerLookup {
    Uni<Caller> lookup(String token);
}

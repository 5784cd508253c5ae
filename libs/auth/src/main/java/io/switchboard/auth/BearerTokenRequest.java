package io.switchboard.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A bearer token to check (our own request type, so another extension's token provider never takes it). */
public class BearerTokenRequest extends BaseAuthenticationRequest {
    private final String token;

    public BearerTokenRequest(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }
}

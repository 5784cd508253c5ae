package io.switchboard.admin.rest;

import io.switchboard.auth.Caller;
import jakarta.ws.rs.core.SecurityContext;

/** The signed-in person on whose behalf a page calls the other services. */
final class SignedIn {
    private SignedIn() {
    }

    /** Their token as an Authorization header: the services check it themselves. */
    static String bearer(SecurityContext security) {
        return "Bearer " + Caller.of(security).credential();
    }
}

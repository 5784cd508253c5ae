package io.switchboard.auth;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;
import java.util.UUID;

/**
 * Who is calling: the principal of every authenticated request. Services read the organization from here and scope
 * every query by it; nothing else decides which organization a request acts for.
 *
 * @param tokenId    the API token or sign-in session the request came with
 * @param userId     the person, when it is one (a session, or a token made for a person); else null
 * @param subject    how the audit log names the caller: {@code user:<name>} or {@code token:<name>}
 * @param credential the bearer credential itself, so admin-ui can call the other services on the caller's behalf
 */
public record Caller(UUID orgId, Role role, UUID tokenId, UUID userId, String subject, boolean platformAdmin,
                     String credential) implements Principal {

    /** The caller of a request to an endpoint that wants a role (so there is one). */
    public static Caller of(SecurityContext context) {
        if (context.getUserPrincipal() instanceof Caller caller) {
            return caller;
        }
        throw new IllegalStateException("no authenticated caller on this request");
    }

    public static Caller of(SecurityIdentity identity) {
        if (identity.getPrincipal() instanceof Caller caller) {
            return caller;
        }
        throw new IllegalStateException("no authenticated caller on this request");
    }

    @Override
    public String getName() {
        return subject;
    }

    @Override
    public String toString() {
        return subject + " in " + orgId + " as " + role.wireName(); // never the credential
    }
}

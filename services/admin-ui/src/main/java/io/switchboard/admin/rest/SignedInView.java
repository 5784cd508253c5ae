package io.switchboard.admin.rest;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.switchboard.admin.client.RuntimeCallers;
import io.switchboard.admin.client.RuntimeClient;
import io.switchboard.auth.Caller;
import io.switchboard.auth.Role;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Named;
import java.util.List;

/**
 * The page header's view of who is signed in: {@code inject:signedIn} in the templates. It reads the identity the
 * request was authenticated with (every page that needs a role is), never asks for one: authentication is lazy here,
 * and a page rendered on the event loop (the sign-in form after a failed attempt) may not block to resolve one.
 */
@Named("signedIn")
@RequestScoped
public class SignedInView {
    private final Caller caller;
    private final RuntimeClient.Me me;

    SignedInView(RoutingContext request, RuntimeCallers callers) {
        SecurityIdentity identity = request.user() instanceof QuarkusHttpUser user ? user.getSecurityIdentity() : null;
        this.caller = identity != null && identity.getPrincipal() instanceof Caller c ? c : null;
        this.me = caller == null ? null : callers.profile(caller.credential());
    }

    public boolean isPresent() {
        return caller != null;
    }

    public String getName() {
        return caller == null ? "" : caller.subject().replaceFirst("^user:", "");
    }

    public String getRole() {
        return caller == null ? "" : caller.role().wireName();
    }

    /** Admins and owners: the audit log, and forms that change agents, models and keys. */
    public boolean isAdmin() {
        return caller != null && caller.role().includes(Role.ADMIN);
    }

    /** Platform administrators: every organization's dashboards and jobs. */
    public boolean isPlatformAdmin() {
        return caller != null && caller.platformAdmin();
    }

    /** Owners: members and tokens. */
    public boolean isOwner() {
        return caller != null && caller.role().includes(Role.OWNER);
    }

    /** Operators and above: chat, approve, run evals. */
    public boolean isOperator() {
        return caller != null && caller.role().includes(Role.OPERATOR);
    }

    public String getOrgId() {
        return caller == null ? "" : caller.orgId().toString();
    }

    public String getOrgName() {
        return me == null || me.orgName() == null ? getOrgId() : me.orgName();
    }

    public List<RuntimeClient.Membership> getOrgs() {
        return me == null || me.orgs() == null ? List.of() : me.orgs();
    }
}

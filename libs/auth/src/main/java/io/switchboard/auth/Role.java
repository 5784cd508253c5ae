package io.switchboard.auth;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a caller may do in its organization; each role includes the ones below it. Resources say what they need with
 * {@code @RolesAllowed(Role.ADMIN_NAME)} and the like: a caller's security identity holds its role and every lower one.
 */
public enum Role {
    VIEWER, OPERATOR, ADMIN, OWNER;

    public static final String VIEWER_NAME = "viewer";
    public static final String OPERATOR_NAME = "operator";
    public static final String ADMIN_NAME = "admin";
    public static final String OWNER_NAME = "owner";
    /** Not a role in an organization: may create organizations (the platform's first administrator). */
    public static final String PLATFORM_ADMIN = "platform-admin";

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean includes(Role other) {
        return compareTo(other) >= 0;
    }

    /** The role names a security identity with this role holds. */
    public Set<String> granted() {
        return Stream.of(values()).filter(this::includes).map(Role::wireName).collect(Collectors.toSet());
    }

    /** The role of that name, or null. */
    public static Role parse(String name) {
        if (name == null) {
            return null;
        }
        for (Role role : values()) {
            if (role.wireName().equals(name)) {
                return role;
            }
        }
        return null;
    }
}

package io.switchboard.auth;

import io.quarkus.arc.properties.IfBuildProperty;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.jboss.logging.Logger;

/**
 * Tokens checked against {@code identity.tokens} in the platform's PostgreSQL: each service checks them itself and
 * trusts no caller for being on its network. A sign-in session takes the person's role in the organization it is
 * switched to (removing a member ends their sessions there); an API token has a role of its own, capped by its
 * maker's while the maker is a person.
 */
@ApplicationScoped
@IfBuildProperty(name = "switchboard.auth.callers", stringValue = "database", enableIfMissing = true)
public class DatabaseCallers implements CallerLookup {
    private static final Logger LOG = Logger.getLogger(DatabaseCallers.class);
    /** Last use is kept to the minute: a write per call would cost more than the check itself. */
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);
    private static final String FIND = """
            select t.id, t.org_id, t.kind, t.name, t.user_id, u.username, t.last_used_at, t.role as token_role,
                   m.role as member_role,
                   case when t.kind = 'session' then coalesce(u.platform_admin, false)
                        else t.platform_admin end as platform_admin
            from identity.tokens t
            left join identity.users u on u.id = t.user_id
            left join identity.memberships m on m.user_id = t.user_id and m.org_id = t.org_id
            where t.hash = $1 and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())""";

    private final Pool pool;

    DatabaseCallers(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Uni<Caller> lookup(String token) {
        return pool.preparedQuery(FIND).execute(Tuple.of(Tokens.hash(token))).map(rows -> {
            if (rows.size() == 0) {
                return null;
            }
            Row row = rows.iterator().next();
            Role role = role(row);
            if (role == null) {
                return null; // a sign-in, or a person's token, of someone no longer a member there
            }
            touch(row);
            String subject = "session".equals(row.getString("kind"))
                    ? "user:" + row.getString("username")
                    : "token:" + row.getString("name");
            return new Caller(row.getUUID("org_id"), role, row.getUUID("id"), row.getUUID("user_id"), subject,
                    row.getBoolean("platform_admin"), token);
        });
    }

    /**
     * A sign-in has the person's role in the organization; a token a person made, its own role but never more than
     * theirs now (and none once they have left); a token made with a token, its own role.
     */
    private static Role role(Row row) {
        Role member = Role.parse(row.getString("member_role"));
        if ("session".equals(row.getString("kind"))) {
            return member;
        }
        Role token = Role.parse(row.getString("token_role"));
        if (row.getUUID("user_id") == null || token == null) {
            return token;
        }
        return member == null ? null : member.includes(token) ? token : member;
    }

    private void touch(Row row) {
        OffsetDateTime last = row.getOffsetDateTime("last_used_at");
        if (last != null && last.isAfter(OffsetDateTime.now().minus(TOUCH_EVERY))) {
            return;
        }
        pool.preparedQuery("update identity.tokens set last_used_at = now() where id = $1")
                .execute(Tuple.of(row.getUUID("id")))
                .subscribe().with(done -> { }, e -> LOG.debugf("could not note a token's last use: %s", e));
    }
}

package io.switchboard.runtime.repository;

import io.smallrye.mutiny.Uni;
import io.switchboard.auth.Role;
import io.switchboard.auth.Tokens;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Organizations, people, their memberships and tokens ({@code identity.*}, shared by every service, which check tokens
 * there; only this service writes them). Token values never reach the database, only their hashes.
 */
@ApplicationScoped
public class AccountRepository {
    private final Pool pool;

    public AccountRepository(Pool pool) {
        this.pool = pool;
    }

    /** An organization; {@code captureContent}: its agents' and keys' spans carry what calls were sent and answered. */
    public record Org(UUID id, String name, Instant createdAt, boolean captureContent) {
    }

    /** An organization a person belongs to, with their role there. */
    public record Membership(UUID orgId, String orgName, String role) {
    }

    public record User(UUID id, String username, String passwordHash, boolean platformAdmin) {
    }

    public record Member(UUID userId, String username, String role, Instant since) {
    }

    /** An API token as listed: never its value. */
    public record TokenInfo(UUID id, String name, String role, String createdBy, Instant createdAt, Instant expiresAt,
                            Instant revokedAt, Instant lastUsedAt) {
    }

    /** A new organization with a first token, an owner's. */
    public Uni<Org> createOrg(String name, String ownerToken, String createdBy) {
        UUID id = UUID.randomUUID();
        return pool.withTransaction(tx -> tx.preparedQuery("insert into identity.orgs (id, name) values ($1, $2)"
                                + " returning created_at").execute(Tuple.of(id, name))
                .call(x -> tx.preparedQuery("insert into identity.tokens (id, org_id, kind, name, role, hash,"
                                + " created_by) values ($1, $2, 'api', 'owner', 'owner', $3, $4)")
                        .execute(Tuple.of(UUID.randomUUID(), id, Tokens.hash(ownerToken), createdBy))))
                .map(rows -> new Org(id, name, rows.iterator().next().getOffsetDateTime("created_at").toInstant(),
                        false));
    }

    public Uni<Org> org(UUID id) {
        return pool.preparedQuery("select * from identity.orgs where id = $1").execute(Tuple.of(id))
                .map(rows -> first(rows, AccountRepository::toOrg));
    }

    /** Renames the organization and sets whether it captures content; null leaves either as it is. */
    public Uni<Org> updateOrg(UUID id, String name, Boolean captureContent) {
        return pool.preparedQuery("update identity.orgs set name = coalesce($2, name),"
                        + " capture_content = coalesce($3, capture_content) where id = $1 returning *")
                .execute(Tuple.of(id, name, captureContent)).map(rows -> first(rows, AccountRepository::toOrg));
    }

    private static Org toOrg(Row row) {
        return new Org(row.getUUID("id"), row.getString("name"), row.getOffsetDateTime("created_at").toInstant(),
                row.getBoolean("capture_content"));
    }

    public Uni<User> user(String username) {
        return pool.preparedQuery("select * from identity.users where username = $1").execute(Tuple.of(username))
                .map(rows -> first(rows, AccountRepository::toUser));
    }

    /** Makes the person unless someone has that name; gives the person of that name either way. */
    public Uni<User> ensureUser(String username, String passwordHash, boolean platformAdmin) {
        return pool.preparedQuery("insert into identity.users (id, username, password_hash, platform_admin)"
                        + " values ($1, $2, $3, $4) on conflict (username) do nothing")
                .execute(Tuple.of(UUID.randomUUID(), username, passwordHash, platformAdmin))
                .flatMap(x -> user(username));
    }

    /** The person who signs in through OpenID Connect as {@code subject} ("issuer|sub"), or null. */
    public Uni<User> oidcUser(String subject) {
        return pool.preparedQuery("select * from identity.users where oidc_subject = $1").execute(Tuple.of(subject))
                .map(rows -> first(rows, AccountRepository::toUser));
    }

    /**
     * Makes the person who signs in through OpenID Connect as {@code subject}, named {@code name}, or {@code name-2},
     * {@code name-3}... when the name is taken; gives the person already made when a sign-in raced this one.
     */
    public Uni<User> createOidcUser(String name, String subject) {
        return createOidcUser(name, subject, 1);
    }

    private Uni<User> createOidcUser(String name, String subject, int attempt) {
        String username = attempt == 1 ? name : name + "-" + attempt;
        return pool.preparedQuery("insert into identity.users (id, username, oidc_subject) values ($1, $2, $3)"
                        + " on conflict do nothing returning *")
                .execute(Tuple.of(UUID.randomUUID(), username, subject))
                .flatMap(rows -> rows.size() == 1 ? Uni.createFrom().item(toUser(rows.iterator().next()))
                        : oidcUser(subject).flatMap(raced -> {
                            if (raced != null) {
                                return Uni.createFrom().item(raced);
                            }
                            if (attempt == 50) {
                                return Uni.createFrom().failure(new IllegalStateException(
                                        "no free user name like " + name));
                            }
                            return createOidcUser(name, subject, attempt + 1);
                        }));
    }

    public Uni<Void> setPassword(UUID userId, String passwordHash) {
        return pool.preparedQuery("update identity.users set password_hash = $2 where id = $1")
                .execute(Tuple.of(userId, passwordHash)).replaceWithVoid();
    }

    /** The organizations the person belongs to, oldest first. */
    public Uni<List<Membership>> memberships(UUID userId) {
        return pool.preparedQuery("select m.org_id, o.name, m.role from identity.memberships m join identity.orgs o"
                        + " on o.id = m.org_id where m.user_id = $1 order by o.created_at").execute(Tuple.of(userId))
                .map(rows -> all(rows, row -> new Membership(row.getUUID("org_id"), row.getString("name"),
                        row.getString("role"))));
    }

    /** Adds the person to the organization, or changes their role there. */
    public Uni<Void> putMember(UUID orgId, UUID userId, Role role) {
        return pool.preparedQuery("insert into identity.memberships (user_id, org_id, role) values ($1, $2, $3)"
                        + " on conflict (user_id, org_id) do update set role = excluded.role")
                .execute(Tuple.of(userId, orgId, role.wireName())).replaceWithVoid();
    }

    /** Removes the person from the organization and ends their sign-ins there; false when not a member. */
    public Uni<Boolean> removeMember(UUID orgId, UUID userId) {
        return pool.withTransaction(tx -> tx.preparedQuery("delete from identity.memberships where org_id = $1"
                        + " and user_id = $2").execute(Tuple.of(orgId, userId))
                .call(x -> tx.preparedQuery("update identity.tokens set revoked_at = now() where org_id = $1"
                        + " and user_id = $2 and kind = 'session' and revoked_at is null")
                        .execute(Tuple.of(orgId, userId)))
                .map(rows -> rows.rowCount() == 1));
    }

    public Uni<List<Member>> members(UUID orgId) {
        return pool.preparedQuery("select m.user_id, u.username, m.role, m.created_at from identity.memberships m"
                        + " join identity.users u on u.id = m.user_id where m.org_id = $1 order by u.username")
                .execute(Tuple.of(orgId))
                .map(rows -> all(rows, row -> new Member(row.getUUID("user_id"), row.getString("username"),
                        row.getString("role"), row.getOffsetDateTime("created_at").toInstant())));
    }

    /** How many owners the organization has (the last one may not leave or be demoted). */
    public Uni<Long> owners(UUID orgId) {
        return pool.preparedQuery("select count(*) from identity.memberships where org_id = $1 and role = 'owner'")
                .execute(Tuple.of(orgId)).map(rows -> rows.iterator().next().getLong(0));
    }

    /**
     * A new API token. Made by a person ({@code userId} not null), it works only while they are a member, with at most
     * their role there; made with a token, it stands alone.
     */
    public Uni<TokenInfo> createToken(UUID orgId, String name, Role role, Instant expiresAt, String token,
                                      String createdBy, UUID userId) {
        UUID id = UUID.randomUUID();
        return pool.preparedQuery("insert into identity.tokens (id, org_id, kind, name, role, hash, created_by,"
                        + " expires_at, user_id) values ($1, $2, 'api', $3, $4, $5, $6, $7, $8) returning *")
                .execute(Tuple.from(new Object[] {id, orgId, name, role.wireName(), Tokens.hash(token), createdBy,
                        expiresAt == null ? null : expiresAt.atOffset(ZoneOffset.UTC), userId}))
                .map(rows -> toToken(rows.iterator().next()));
    }

    /** A sign-in: a session token of the person, in {@code orgId}, until {@code expiresAt}. */
    public Uni<Void> createSession(UUID orgId, UUID userId, String username, String token, Instant expiresAt) {
        return pool.preparedQuery("insert into identity.tokens (id, org_id, kind, name, user_id, hash, created_by,"
                        + " expires_at) values ($1, $2, 'session', $3, $4, $5, $3, $6)")
                .execute(Tuple.from(new Object[] {UUID.randomUUID(), orgId, "user:" + username, userId,
                        Tokens.hash(token), expiresAt.atOffset(ZoneOffset.UTC)}))
                .replaceWithVoid();
    }

    /** Moves a sign-in session to another organization the person belongs to; false otherwise. */
    public Uni<Boolean> switchSession(UUID tokenId, UUID userId, UUID orgId) {
        return pool.preparedQuery("update identity.tokens set org_id = $3 where id = $1 and user_id = $2"
                        + " and kind = 'session' and exists (select 1 from identity.memberships"
                        + " where user_id = $2 and org_id = $3)")
                .execute(Tuple.of(tokenId, userId, orgId)).map(rows -> rows.rowCount() == 1);
    }

    public Uni<List<TokenInfo>> tokens(UUID orgId) {
        return pool.preparedQuery("select * from identity.tokens where org_id = $1 and kind = 'api'"
                        + " order by created_at desc").execute(Tuple.of(orgId))
                .map(rows -> all(rows, AccountRepository::toToken));
    }

    /** Ends the person's sign-in, whichever organization it is in now. */
    public Uni<Void> endSession(UUID tokenId, UUID userId) {
        return pool.preparedQuery("update identity.tokens set revoked_at = coalesce(revoked_at, now())"
                        + " where id = $1 and user_id = $2 and kind = 'session'").execute(Tuple.of(tokenId, userId))
                .replaceWithVoid();
    }

    /** Revokes the organization's token (API token or sign-in); false when it has no such token. */
    public Uni<Boolean> revoke(UUID orgId, UUID tokenId) {
        return pool.preparedQuery("update identity.tokens set revoked_at = coalesce(revoked_at, now())"
                        + " where id = $1 and org_id = $2").execute(Tuple.of(tokenId, orgId))
                .map(rows -> rows.rowCount() == 1);
    }

    private static User toUser(Row row) {
        return new User(row.getUUID("id"), row.getString("username"), row.getString("password_hash"),
                row.getBoolean("platform_admin"));
    }

    private static TokenInfo toToken(Row row) {
        return new TokenInfo(row.getUUID("id"), row.getString("name"), row.getString("role"),
                row.getString("created_by"), instant(row.getOffsetDateTime("created_at")),
                instant(row.getOffsetDateTime("expires_at")), instant(row.getOffsetDateTime("revoked_at")),
                instant(row.getOffsetDateTime("last_used_at")));
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    private static <T> T first(RowSet<Row> rows, Function<Row, T> map) {
        return rows.size() == 0 ? null : map.apply(rows.iterator().next());
    }

    private static <T> List<T> all(RowSet<Row> rows, Function<Row, T> map) {
        List<T> out = new ArrayList<>();
        rows.forEach(row -> out.add(map.apply(row)));
        return out;
    }
}

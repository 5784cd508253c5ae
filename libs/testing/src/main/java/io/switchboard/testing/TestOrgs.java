package io.switchboard.testing;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Organizations and tokens for tests of a service that does not make them itself (only agent-runtime has
 * {@code POST /api/orgs}): written to {@code identity.*} as agent-runtime writes them.
 */
public final class TestOrgs {
    private TestOrgs() {
    }

    /** An organization and its first owner's token. */
    public record Org(UUID id, String ownerToken) {
    }

    public static Org create(Pool pool, String name) {
        UUID id = UUID.randomUUID();
        pool.preparedQuery("insert into identity.orgs (id, name) values ($1, $2)").execute(Tuple.of(id, name))
                .await().atMost(Duration.ofSeconds(10));
        return new Org(id, token(pool, id, "owner"));
    }

    /** A new API token of the organization with the role ({@code owner}, {@code admin}, ...). */
    public static String token(Pool pool, UUID orgId, String role) {
        String token = "sb_test_" + UUID.randomUUID().toString().replace("-", "");
        pool.preparedQuery("insert into identity.tokens (id, org_id, kind, name, role, hash, created_by)"
                        + " values ($1, $2, 'api', $3, $3, $4, 'test')")
                .execute(Tuple.of(UUID.randomUUID(), orgId, role, sha256(token))).await().atMost(Duration.ofSeconds(10));
        return token;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

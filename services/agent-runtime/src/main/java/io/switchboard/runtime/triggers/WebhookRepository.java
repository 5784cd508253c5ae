package io.switchboard.runtime.triggers;

import io.smallrye.mutiny.Uni;
import io.switchboard.crypto.SecretCipher;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** Webhooks ({@code runtime.webhooks}, their secrets sealed) and the deliveries they took. */
@ApplicationScoped
public class WebhookRepository {
    private final Pool pool;

    public WebhookRepository(Pool pool) {
        this.pool = pool;
    }

    /** A webhook; {@code previous} is still taken until {@code previousUntil} (a secret being rotated), else null. */
    public record Webhook(UUID id, UUID orgId, UUID agentId, String name, String template, SecretCipher.Sealed secret,
                          SecretCipher.Sealed previous, Instant previousUntil, String createdBy, Instant createdAt) {
    }

    /** A delivery taken: the session and turn it started. */
    public record Delivery(UUID sessionId, UUID turnId) {
    }

    /** Makes the webhook; false when the organization has one of that name. */
    public Uni<Boolean> insert(Webhook w) {
        return pool.preparedQuery("insert into runtime.webhooks (id, org_id, agent_id, name, template, secret_key_id,"
                        + " secret_ciphertext, created_by) values ($1, $2, $3, $4, $5, $6, $7, $8)"
                        + " on conflict (org_id, name) do nothing")
                .execute(Tuple.from(Arrays.asList(w.id(), w.orgId(), w.agentId(), w.name(), w.template(),
                        w.secret().keyId(), w.secret().ciphertext(), w.createdBy())))
                .map(rows -> rows.rowCount() == 1);
    }

    /** The webhook, whoever's it is (a delivery names only its id); null when there is none. */
    public Uni<Webhook> find(UUID id) {
        return pool.preparedQuery("select * from runtime.webhooks where id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : toWebhook(rows.iterator().next()));
    }

    public Uni<List<Webhook>> list(UUID orgId) {
        return pool.preparedQuery("select * from runtime.webhooks where org_id = $1 order by name")
                .execute(Tuple.of(orgId)).map(rows -> {
                    List<Webhook> all = new ArrayList<>(rows.rowCount());
                    rows.forEach(row -> all.add(toWebhook(row)));
                    return all;
                });
    }

    /** A new secret; the current one becomes the previous one, taken until {@code previousUntil}. */
    public Uni<Boolean> rotate(UUID orgId, UUID id, SecretCipher.Sealed secret, Instant previousUntil) {
        return pool.preparedQuery("update runtime.webhooks set previous_key_id = secret_key_id,"
                        + " previous_ciphertext = secret_ciphertext, previous_until = $3, secret_key_id = $4,"
                        + " secret_ciphertext = $5 where id = $1 and org_id = $2")
                .execute(Tuple.of(id, orgId, previousUntil.atOffset(ZoneOffset.UTC), secret.keyId(),
                        secret.ciphertext()))
                .map(rows -> rows.rowCount() == 1);
    }

    public Uni<Boolean> delete(UUID orgId, UUID id) {
        return pool.preparedQuery("delete from runtime.webhooks where id = $1 and org_id = $2")
                .execute(Tuple.of(id, orgId)).map(rows -> rows.rowCount() == 1);
    }

    /** Takes the delivery with the ids it is to start; false when its id or its signature was taken before. */
    public Uni<Boolean> take(SqlClient tx, UUID webhookId, String deliveryId, String signature, Delivery delivery) {
        return tx.preparedQuery("insert into runtime.webhook_deliveries (webhook_id, delivery_id, signature,"
                        + " session_id, turn_id) values ($1, $2, $3, $4, $5) on conflict do nothing")
                .execute(Tuple.of(webhookId, deliveryId, signature, delivery.sessionId(), delivery.turnId()))
                .map(rows -> rows.rowCount() == 1);
    }

    /** The delivery taken before under that id, or else with that signature; null when none was. */
    public Uni<Delivery> delivery(UUID webhookId, String deliveryId, String signature) {
        return pool.preparedQuery("select session_id, turn_id from runtime.webhook_deliveries where webhook_id = $1"
                        + " and (delivery_id = $2 or signature = $3) order by delivery_id = $2 desc limit 1")
                .execute(Tuple.of(webhookId, deliveryId, signature))
                .map(rows -> rows.size() == 0 ? null : new Delivery(rows.iterator().next().getUUID("session_id"),
                        rows.iterator().next().getUUID("turn_id")));
    }

    private static Webhook toWebhook(Row r) {
        String previousKey = r.getString("previous_key_id");
        OffsetDateTime until = r.getOffsetDateTime("previous_until");
        return new Webhook(r.getUUID("id"), r.getUUID("org_id"), r.getUUID("agent_id"), r.getString("name"),
                r.getString("template"), new SecretCipher.Sealed(r.getString("secret_key_id"),
                        r.getString("secret_ciphertext")),
                previousKey == null ? null : new SecretCipher.Sealed(previousKey, r.getString("previous_ciphertext")),
                until == null ? null : until.toInstant(), r.getString("created_by"),
                r.getOffsetDateTime("created_at").toInstant());
    }
}

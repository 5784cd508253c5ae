package io.switchboard.runtime.maintenance;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.switchboard.crypto.SecretCipher;
import io.switchboard.jobs.Job;
import io.switchboard.jobs.JobKind;
import io.switchboard.jobs.JobResult;
import io.switchboard.jobs.Jobs;
import io.switchboard.runtime.config.RuntimeConfig;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Re-seals every stored secret with the current master key (the first of {@code SWITCHBOARD_MASTER_KEYS}) after a
 * rotation: tools' secrets and webhooks' secrets (their previous ones too). A replica that starts with a master key
 * queues this job for that key (once: its key is the key's id); it opens each value with the key that sealed it (still
 * configured, after the new one) and seals it again, a batch at a time, each row changed only if no one else has. The
 * old key can be taken out of the configuration once the job is done.
 */
@ApplicationScoped
public class Reseal implements JobKind<String> {
    public static final String NAME = "reseal-secrets";
    private static final Logger LOG = Logger.getLogger(Reseal.class);
    private static final int BATCH = 100;

    private final Pool pool;
    private final Jobs jobs;
    private final SecretCipher cipher;

    public Reseal(Pool pool, Jobs jobs, RuntimeConfig config) {
        this.pool = pool;
        this.jobs = jobs;
        this.cipher = SecretCipher.fromSpec(config.masterKeys().orElse(""));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Class<String> dataType() {
        return String.class;
    }

    void queue(@Observes @Priority(30) StartupEvent start) {
        if (!cipher.canEncrypt()) {
            return;
        }
        String key = cipher.currentKeyId();
        pool.withTransaction(tx -> jobs.enqueue(tx, this, "key:" + key, key, null, Instant.now()))
                .await().atMost(Duration.ofSeconds(30));
    }

    @Override
    public Uni<JobResult<String>> run(Job<String> job) {
        if (!job.data().equals(cipher.currentKeyId())) {
            // a key this replica still opens with but no longer seals with: a later rotation's job does the work;
            // a key it does not know yet: this replica is older than the rotation, one that has the key does it
            return Uni.createFrom().item(cipher.knows(job.data()) ? JobResult.done()
                    : JobResult.deferred(Instant.now().plusSeconds(30), job.data()));
        }
        return secrets(0).flatMap(secrets -> webhooks(0).map(hooks -> {
            if (secrets + hooks > 0) {
                LOG.infof("re-sealed %d secrets and %d webhook secrets with master key %s", secrets, hooks,
                        job.data());
            }
            return JobResult.<String>done();
        }));
    }

    /** Tools' secrets not sealed with the current key, a batch at a time; how many were re-sealed. */
    private Uni<Integer> secrets(int soFar) {
        String current = cipher.currentKeyId();
        return pool.preparedQuery("select org_id, name, key_id, ciphertext from runtime.secrets where key_id <> $1"
                        + " limit $2").execute(Tuple.of(current, BATCH))
                .flatMap(rows -> {
                    List<Tuple> updates = new ArrayList<>();
                    for (Row r : rows) {
                        String owner = "secret " + r.getString("name");
                        SecretCipher.Sealed sealed = reseal(new SecretCipher.Sealed(r.getString("key_id"),
                                r.getString("ciphertext")), owner);
                        updates.add(Tuple.of(r.getUUID("org_id"), r.getString("name"), r.getString("key_id"),
                                r.getString("ciphertext"), sealed.keyId(), sealed.ciphertext()));
                    }
                    if (updates.isEmpty()) {
                        return Uni.createFrom().item(soFar);
                    }
                    return pool.preparedQuery("update runtime.secrets set key_id = $5, ciphertext = $6"
                                    + " where org_id = $1 and name = $2 and key_id = $3 and ciphertext = $4")
                            .executeBatch(updates).flatMap(x -> secrets(soFar + updates.size()));
                });
    }

    /** Webhooks' secrets (and previous secrets) not sealed with the current key; how many webhooks were changed. */
    private Uni<Integer> webhooks(int soFar) {
        String current = cipher.currentKeyId();
        return pool.preparedQuery("select id, secret_key_id, secret_ciphertext, previous_key_id, previous_ciphertext"
                        + " from runtime.webhooks where secret_key_id <> $1 or previous_key_id <> $1 limit $2")
                .execute(Tuple.of(current, BATCH))
                .flatMap(rows -> {
                    List<Tuple> updates = new ArrayList<>();
                    for (Row r : rows) {
                        String owner = "webhook:" + r.getUUID("id");
                        SecretCipher.Sealed secret = reseal(new SecretCipher.Sealed(r.getString("secret_key_id"),
                                r.getString("secret_ciphertext")), owner);
                        SecretCipher.Sealed previous = r.getString("previous_key_id") == null ? null
                                : reseal(new SecretCipher.Sealed(r.getString("previous_key_id"),
                                        r.getString("previous_ciphertext")), owner);
                        updates.add(Tuple.from(new Object[] {r.getUUID("id"), r.getString("secret_ciphertext"),
                                secret.keyId(), secret.ciphertext(), previous == null ? null : previous.keyId(),
                                previous == null ? null : previous.ciphertext()}));
                    }
                    if (updates.isEmpty()) {
                        return Uni.createFrom().item(soFar);
                    }
                    return pool.preparedQuery("update runtime.webhooks set secret_key_id = $3, secret_ciphertext = $4,"
                                    + " previous_key_id = $5, previous_ciphertext = $6"
                                    + " where id = $1 and secret_ciphertext = $2")
                            .executeBatch(updates).flatMap(x -> webhooks(soFar + updates.size()));
                });
    }

    private SecretCipher.Sealed reseal(SecretCipher.Sealed sealed, String owner) {
        if (sealed.keyId().equals(cipher.currentKeyId())) {
            return sealed;
        }
        return cipher.encrypt(cipher.decrypt(sealed, owner), owner);
    }
}

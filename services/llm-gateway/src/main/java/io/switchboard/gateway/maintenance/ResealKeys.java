package io.switchboard.gateway.maintenance;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.switchboard.crypto.SecretCipher;
import io.switchboard.gateway.credentials.StoredDeployments;
import io.switchboard.jobs.Job;
import io.switchboard.jobs.JobKind;
import io.switchboard.jobs.JobResult;
import io.switchboard.jobs.Jobs;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import org.jboss.logging.Logger;

/**
 * Re-seals the provider keys of deployments added through the API with the current master key after a rotation: a
 * replica that starts with a master key queues this job for it (once: its key is the key's id). The same as
 * {@code POST /api/credentials/rotate}, without anyone having to call it.
 */
@ApplicationScoped
public class ResealKeys implements JobKind<String> {
    public static final String NAME = "reseal-provider-keys";
    private static final Logger LOG = Logger.getLogger(ResealKeys.class);

    private final Pool pool;
    private final Jobs jobs;
    private final StoredDeployments store;
    private final SecretCipher cipher;

    public ResealKeys(Pool pool, Jobs jobs, StoredDeployments store, SecretCipher cipher) {
        this.pool = pool;
        this.jobs = jobs;
        this.store = store;
        this.cipher = cipher;
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
        if (cipher.canEncrypt()) {
            String key = cipher.currentKeyId();
            pool.withTransaction(tx -> jobs.enqueue(tx, this, "key:" + key, key, null, Instant.now()))
                    .await().atMost(Duration.ofSeconds(30));
        }
    }

    @Override
    public Uni<JobResult<String>> run(Job<String> job) {
        if (!job.data().equals(cipher.currentKeyId())) {
            // a key this replica still opens with but no longer seals with: a later rotation's job does the work;
            // a key it does not know yet: this replica is older than the rotation, one that has the key does it
            return Uni.createFrom().item(cipher.knows(job.data()) ? JobResult.done()
                    : JobResult.deferred(Instant.now().plusSeconds(30), job.data()));
        }
        return store.reseal(cipher).map(count -> {
            if (count > 0) {
                LOG.infof("re-sealed %d provider keys with master key %s", count, job.data());
            }
            return JobResult.done();
        });
    }
}

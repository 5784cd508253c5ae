package io.switchboard.runtime.triggers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.qute.Engine;
import io.quarkus.qute.IfSectionHelper;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateException;
import io.smallrye.mutiny.Uni;
import io.switchboard.api.Problem;
import io.switchboard.crypto.SecretCipher;
import io.switchboard.jobs.Jobs;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.repository.AgentRepository;
import io.switchboard.runtime.repository.SessionRepository;
import io.switchboard.runtime.service.SessionService;
import io.switchboard.runtime.triggers.WebhookRepository.Delivery;
import io.switchboard.runtime.triggers.WebhookRepository.Webhook;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Webhooks: a delivery to {@code /hooks/{id}}, signed with the webhook's secret, starts a turn of its agent in a new
 * session, its message the webhook's template filled from the delivery's JSON ({@code {body.issue.title}}, Qute). The
 * delivery's id (and its signature) is taken once: the delivery, its session and the job that starts its turn
 * ({@link StartTurn}) are written in one transaction, and a delivery of an id or signature taken before is answered
 * with the same ids and starts nothing.
 */
@ApplicationScoped
public class Webhooks {
    /**
     * Qute with its value resolvers (maps, lists, {@code ?:}) and {@code {#if}} only: a template reads the body, and
     * nothing in it loops ({@code {#for}} over a number the sender chose) or parses more templates ({@code {#eval}}).
     */
    private static final Engine TEMPLATES = Engine.builder().addDefaultValueResolvers()
            .addSectionHelper(new IfSectionHelper.Factory()).strictRendering(true).build();
    private static final SecureRandom RANDOM = new SecureRandom();
    public static final int MAX_TEMPLATE = 20_000;

    /** A webhook made now, with its secret (shown once). */
    public record Created(Webhook webhook, String secret) {
    }

    /** A delivery taken ({@code fresh}) or taken before, and the session and turn it started. */
    public record Taken(boolean fresh, Delivery delivery) {
    }

    private final Pool pool;
    private final WebhookRepository store;
    private final AgentRepository agents;
    private final SessionRepository sessions;
    private final SessionService turns;
    private final Jobs jobs;
    private final StartTurn startTurn;
    private final ObjectMapper json;
    private final RuntimeConfig config;
    private final SecretCipher cipher;

    public Webhooks(Pool pool, WebhookRepository store, AgentRepository agents, SessionRepository sessions,
                    SessionService turns, Jobs jobs, StartTurn startTurn, ObjectMapper json, RuntimeConfig config) {
        this.pool = pool;
        this.store = store;
        this.agents = agents;
        this.sessions = sessions;
        this.turns = turns;
        this.jobs = jobs;
        this.startTurn = startTurn;
        this.json = json;
        this.config = config;
        this.cipher = SecretCipher.fromSpec(config.masterKeys().orElse(""));
    }

    /** Why the template cannot be used, or null. */
    public static String templateProblem(String template) {
        try {
            TEMPLATES.parse(template);
            return null;
        } catch (TemplateException e) {
            return "template: " + e.getMessage();
        }
    }

    /** Makes the webhook with a new secret; null when the organization has no such agent. */
    public Uni<Created> create(UUID orgId, UUID agentId, String name, String template, String createdBy) {
        if (!cipher.canEncrypt()) {
            throw Problem.conflict("webhook secrets are sealed with the master key: set SWITCHBOARD_MASTER_KEYS");
        }
        return agents.find(orgId, agentId).flatMap(agent -> {
            if (agent == null) {
                return Uni.createFrom().nullItem();
            }
            UUID id = UUID.randomUUID();
            String secret = newSecret();
            Webhook webhook = new Webhook(id, orgId, agentId, name, template, cipher.encrypt(secret, owner(id)), null,
                    null, createdBy, Instant.now());
            return store.insert(webhook).map(made -> {
                if (!made) {
                    throw Problem.conflict("there is a webhook named " + name + " already");
                }
                return new Created(webhook, secret);
            });
        });
    }

    /** A new secret (shown once); the old one is still taken for {@code runtime.webhooks.rotation-grace}. */
    public Uni<String> rotate(UUID orgId, UUID id) {
        if (!cipher.canEncrypt()) {
            throw Problem.conflict("webhook secrets are sealed with the master key: set SWITCHBOARD_MASTER_KEYS");
        }
        String secret = newSecret();
        return store.rotate(orgId, id, cipher.encrypt(secret, owner(id)),
                        Instant.now().plus(config.webhooks().rotationGrace()))
                .map(rotated -> rotated ? secret : null);
    }

    /**
     * Takes a delivery: checks its signature (401), its id (400), its body (400 when not JSON, 422 when the template
     * asks for what it lacks), then takes it once.
     */
    public Uni<Taken> deliver(UUID id, String deliveryId, String signature, byte[] body) {
        return store.find(id).flatMap(webhook -> {
            if (webhook == null) {
                throw Problem.notFound("there is no webhook " + id);
            }
            String signed;
            try {
                signed = WebhookSignature.verify(signature, body, secrets(webhook), Instant.now(),
                        config.webhooks().tolerance());
            } catch (WebhookSignature.Refused refused) {
                throw new Problem(401, "Unauthorized", refused.getMessage());
            }
            if (deliveryId == null || deliveryId.isBlank()) {
                throw Problem.badRequest("the Switchboard-Delivery header (the delivery's id) is missing");
            }
            if (deliveryId.length() > 200 || !deliveryId.matches("[\\x21-\\x7e]+")) {
                throw Problem.badRequest("Switchboard-Delivery is at most 200 visible ASCII characters");
            }
            String text = message(webhook, deliveryId, body);
            Delivery delivery = new Delivery(UUID.randomUUID(), UUID.randomUUID());
            return pool.withTransaction(tx -> store.take(tx, id, deliveryId, signed, delivery).call(taken -> !taken
                            ? Uni.createFrom().voidItem()
                            : sessions.open(tx, webhook.orgId(), delivery.sessionId(), webhook.agentId(), null)
                                    .invoke(opened -> {
                                        if (!opened) {
                                            throw Problem.conflict("the webhook's agent is gone");
                                        }
                                    })
                                    .call(() -> jobs.enqueue(tx, startTurn, delivery.turnId().toString(),
                                            new StartTurn.Turn(webhook.orgId(), webhook.agentId(), delivery.sessionId(),
                                                    delivery.turnId(), text, "webhook " + webhook.name()),
                                            webhook.orgId(), Instant.now()))))
                    .flatMap(taken -> {
                        if (taken) {
                            jobs.wake();
                            return Uni.createFrom().item(new Taken(true, delivery));
                        }
                        return store.delivery(id, deliveryId, signed).map(before -> new Taken(false, before));
                    });
        });
    }

    private String message(Webhook webhook, String deliveryId, byte[] body) {
        JsonNode parsed;
        try {
            parsed = json.readTree(body);
        } catch (IOException e) {
            throw Problem.badRequest("the body is not JSON");
        }
        if (parsed == null) {
            throw Problem.badRequest("the body is empty: a delivery carries a JSON document");
        }
        StringBuilder out = new StringBuilder();
        int max = config.message().maxChars();
        try {
            Template template = TEMPLATES.parse(webhook.template());
            // written out piece by piece and stopped past the longest message: a template that names a large value
            // many times never fills the memory
            template.data("body", json.convertValue(parsed, Object.class)).data("delivery", deliveryId)
                    .consume(piece -> {
                        if (out.length() + piece.length() > max) {
                            throw new Problem(422, "Unprocessable Content", "the message made from this delivery"
                                    + " is longer than " + max + " characters");
                        }
                        out.append(piece);
                    }).toCompletableFuture().join();
        } catch (TemplateException e) {
            throw new Problem(422, "Unprocessable Content", "the webhook's template cannot be filled from this"
                    + " delivery: " + e.getMessage());
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof Problem problem) {
                throw problem;
            }
            if (e.getCause() instanceof TemplateException refused) {
                throw new Problem(422, "Unprocessable Content", "the webhook's template cannot be filled from this"
                        + " delivery: " + refused.getMessage());
            }
            throw e;
        }
        String text = out.toString();
        String problem = turns.checkMessage(text);
        if (problem != null) {
            throw new Problem(422, "Unprocessable Content", "the message made from this delivery: " + problem);
        }
        return text;
    }

    private List<String> secrets(Webhook webhook) {
        List<String> secrets = new ArrayList<>(2);
        secrets.add(cipher.decrypt(webhook.secret(), owner(webhook.id())));
        if (webhook.previous() != null && webhook.previousUntil() != null
                && webhook.previousUntil().isAfter(Instant.now())) {
            secrets.add(cipher.decrypt(webhook.previous(), owner(webhook.id())));
        }
        return secrets;
    }

    private static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** What a secret's seal is bound to: it opens for this webhook only. */
    private static String owner(UUID webhookId) {
        return "webhook:" + webhookId;
    }
}

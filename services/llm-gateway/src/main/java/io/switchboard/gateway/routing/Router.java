package io.switchboard.gateway.routing;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.helpers.Subscriptions;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import io.switchboard.auth.IdentitySchema;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.config.GatewayConfig;
import io.switchboard.gateway.provider.ChatProvider;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException.Kind;
import io.switchboard.gateway.provider.ProviderException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Routes a request over its model's deployments in order. On one deployment, retryable failures are retried with
 * exponential backoff and full jitter, honouring {@code Retry-After} up to a cap; then the next deployment is tried.
 * All of that happens only before the first event reaches the caller: after it, a failure ends the stream, so a client
 * never sees output spliced from two attempts. Deployments that keep failing are cooled down ({@link Cooldowns}).
 */
@ApplicationScoped
public class Router {
    private final RouteTable deployments;
    private final Cooldowns cooldowns;
    private final Map<String, Throttle> throttles = new ConcurrentHashMap<>();
    private final io.vertx.core.Vertx vertx;
    private final GatewayConfig.Routing config;

    @Inject
    public Router(Deployments deployments, GatewayConfig config, io.vertx.core.Vertx vertx, MeterRegistry meters) {
        this(deployments, config.routing(), vertx);
        Gauge.builder("switchboard.llm.cooldowns", cooldowns, Cooldowns::openCount)
                .description("Deployments cooling down after failures (passed over by routing)").register(meters);
    }

    public Router(RouteTable deployments, GatewayConfig.Routing config, io.vertx.core.Vertx vertx) {
        this.deployments = deployments;
        this.config = config;
        this.vertx = vertx;
        this.cooldowns = new Cooldowns(config.failuresToCoolDown(), config.cooldown(), System::nanoTime);
    }

    /**
     * Streams the request's answer. {@code onAttempt} hears of every attempt (its deployment), for accounting.
     * Fails with a {@link ProviderException} when no attempt succeeded or the chosen one broke off.
     */
    public Multi<ProviderEvent> stream(LlmRequest request, Consumer<Deployment> onAttempt) {
        return stream(request, onAttempt, false);
    }

    /**
     * {@link #stream(LlmRequest, Consumer)}, with each chunk also as it was sent ({@link ProviderEvent.Verbatim}) from
     * the deployments whose adapters give them when {@code asSent}, for a front door that passes them on.
     */
    public Multi<ProviderEvent> stream(LlmRequest request, Consumer<Deployment> onAttempt, boolean asSent) {
        return route(request, onAttempt, provider -> provider.stream(request, asSent));
    }

    /**
     * Embeds the inputs on the request's model ({@code request} carries the model and organization), with the same
     * retries, fallbacks, cooldowns and limits as a chat call.
     */
    public Multi<ProviderEvent> embed(LlmRequest request, ChatProvider.EmbeddingRequest inputs,
                                      Consumer<Deployment> onAttempt) {
        return route(request, onAttempt, provider -> provider.embed(inputs));
    }

    private Multi<ProviderEvent> route(LlmRequest request, Consumer<Deployment> onAttempt,
                                       Function<ChatProvider, Multi<ProviderEvent>> call) {
        UUID org = orgOf(request);
        if (org == null) {
            return Multi.createFrom().failure(new ProviderException(Kind.INVALID_REQUEST,
                    "orgId '" + request.orgId() + "' is not an organization id"));
        }
        List<Deployment> route = order(org, request.model(), deployments.route(org, request.model()));
        if (route.isEmpty()) {
            return Multi.createFrom().failure(new ProviderException(Kind.UNKNOWN_MODEL,
                    "no deployment serves model '" + request.model() + "'"));
        }
        AtomicBoolean started = new AtomicBoolean();
        String wider = deployments.contextFallback(request.model());
        Multi<ProviderEvent> routed = fallback(request, route, 0, started, onAttempt, call, null);
        if (wider != null) {
            // too long for this model's window: the same request on a model with a larger one
            routed = routed.onFailure(e -> !started.get() && e instanceof ProviderException p
                            && p.kind() == Kind.CONTEXT_LENGTH_EXCEEDED)
                    .recoverWithMulti(e -> {
                        List<Deployment> larger = deployments.route(org, wider);
                        return larger.isEmpty() ? Multi.createFrom().failure(e)
                                : fallback(request, order(org, wider, larger), 0, started, onAttempt, call, null);
                    });
        }
        return withDeadline(routed.onItem().invoke(() -> started.set(true)), config.totalTimeout());
    }

    /**
     * Fails the call with {@code timeout} (and cancels what is running) if it has not ended within {@code total}.
     * A Vert.x timer: cancelled timers leave the event loop's queue at once, so a call per millisecond with a
     * 10-minute deadline holds no backlog of dead timers. The caller's demand goes through to the call, so a slow
     * reader slows the upstream down.
     */
    private Multi<ProviderEvent> withDeadline(Multi<ProviderEvent> call, Duration total) {
        return Multi.createFrom().emitter(emitter -> {
            AtomicReference<Flow.Subscription> running = new AtomicReference<>();
            long timer = vertx.setTimer(total.toMillis(), id -> {
                Subscriptions.cancel(running);
                emitter.fail(new ProviderException(Kind.TIMEOUT, "the call took longer than " + total));
            });
            emitter.onTermination(() -> {
                vertx.cancelTimer(timer);
                Subscriptions.cancel(running);
            });
            call.subscribe().withSubscriber(new MultiSubscriber<ProviderEvent>() {
                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    if (!Subscriptions.setIfEmpty(running, subscription)) {
                        return; // ended before it began: setIfEmpty cancelled it
                    }
                    emitter.onRequest(subscription::request);
                    // what was asked before onRequest was set; a request in between is asked for twice, and the
                    // emitter holds the extra (at most one batch of the caller's)
                    long asked = emitter.requested();
                    if (asked > 0) {
                        subscription.request(asked);
                    }
                }

                @Override
                public void onItem(ProviderEvent event) {
                    emitter.emit(event);
                }

                @Override
                public void onFailure(Throwable failure) {
                    vertx.cancelTimer(timer);
                    emitter.fail(failure);
                }

                @Override
                public void onCompletion() {
                    vertx.cancelTimer(timer);
                    emitter.complete();
                }
            });
        });
    }


    private Multi<ProviderEvent> fallback(LlmRequest request, List<Deployment> route, int index,
                                          AtomicBoolean started, Consumer<Deployment> onAttempt,
                                          Function<ChatProvider, Multi<ProviderEvent>> call, Throwable previous) {
        if (index == route.size()) {
            return Multi.createFrom().failure(previous != null ? previous : new ProviderException(Kind.UNAVAILABLE,
                    "every deployment of '" + request.model() + "' is cooling down after failures or at a limit"
                            + " (calls in flight, requests or tokens per minute)"));
        }
        Deployment deployment = route.get(index);
        return onDeployment(deployment, started, onAttempt, call)
                .onFailure(e -> !started.get() && movesOn(e))
                .recoverWithMulti(e -> fallback(request, route, index + 1, started, onAttempt, call,
                        e instanceof Skipped ? previous : e));
    }

    /**
     * The organization a request is for (requests from before organizations are the default one's); null when its
     * {@code orgId} is not an organization id (the Kafka consumer dead-letters such a request before it gets here).
     */
    public static UUID orgOf(LlmRequest request) {
        if (request.orgId() == null) {
            return IdentitySchema.DEFAULT_ORG;
        }
        try {
            return UUID.fromString(request.orgId());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The order to try an alias's deployments in, by its strategy. */
    List<Deployment> order(UUID org, String model, List<Deployment> route) {
        if (route.size() < 2) {
            return route;
        }
        switch (deployments.strategy(org, model)) {
            case "least-busy": {
                List<Deployment> sorted = new ArrayList<>(route);
                sorted.sort(Comparator.comparingInt(d -> throttle(d).inFlight.get())); // stable: ties keep their order
                return sorted;
            }
            case "weighted": {
                int total = route.stream().mapToInt(d -> deployments.limits(d).weight()).sum();
                int pick = ThreadLocalRandom.current().nextInt(total);
                for (Deployment d : route) {
                    pick -= deployments.limits(d).weight();
                    if (pick < 0) {
                        List<Deployment> ordered = new ArrayList<>(route);
                        ordered.remove(d);
                        ordered.add(0, d);
                        return ordered;
                    }
                }
                return route;
            }
            default:
                return route;
        }
    }

    /** The deployment's load; new buckets when its limits changed (a reload), calls in flight carried over. */
    private Throttle throttle(Deployment deployment) {
        Limits limits = deployments.limits(deployment);
        Throttle throttle = throttles.get(deployment.key());
        if (throttle != null && throttle.limits.equals(limits)) {
            return throttle;
        }
        return throttles.compute(deployment.key(), (name, old) -> old != null && old.limits.equals(limits) ? old
                : new Throttle(limits, old == null ? new AtomicInteger() : old.inFlight));
    }

    private Multi<ProviderEvent> onDeployment(Deployment deployment, AtomicBoolean started,
                                              Consumer<Deployment> onAttempt,
                                              Function<ChatProvider, Multi<ProviderEvent>> call) {
        AtomicInteger retries = new AtomicInteger();
        return Multi.createFrom().deferred(() -> {
            if (!cooldowns.tryAcquire(deployment.key())) {
                return Multi.createFrom().<ProviderEvent>failure(new Skipped());
            }
            Throttle throttle = throttle(deployment);
            if (!throttle.tryAcquire()) {
                cooldowns.release(deployment.key());
                return Multi.createFrom().<ProviderEvent>failure(new Skipped()); // at a limit: like cooling down
            }
            onAttempt.accept(deployment);
            Multi<ProviderEvent> attempt = call.apply(deployments.provider(deployment));
            if (throttle.countsTokens()) {
                attempt = attempt.onItem().invoke(event -> {
                    if (event instanceof ProviderEvent.Usage usage) {
                        throttle.used(usage.inputTokens() + usage.outputTokens());
                    }
                });
            }
            return attempt
                    .onTermination().invoke(throttle::release)
                    .onCompletion().invoke(() -> cooldowns.success(deployment.key()))
                    .onCancellation().invoke(() -> cooldowns.release(deployment.key()))
                    .onFailure().invoke(e -> {
                        // sim fails on purpose when asked to: that says nothing about its health
                        if (countsAgainst(e) && !deployment.provider().equals("sim")) {
                            cooldowns.failure(deployment.key());
                        } else {
                            cooldowns.release(deployment.key());
                        }
                    });
        }).onFailure().retry().when(failures -> failures.onItem().transformToUniAndConcatenate(failure -> {
            Duration delay = retryDelay(failure, retries.incrementAndGet(), deployment, started.get());
            if (delay == null) {
                return Uni.createFrom().failure(failure);
            }
            // full jitter can draw 0: retry at once. A Vert.x timer, not Mutiny's delay (a worker thread): a retry
            // after a failure on an event loop starts on that loop, so its events usually need no change of thread
            return delay.toMillis() < 1 ? Uni.createFrom().item(failure)
                    : Uni.createFrom().emitter(waiting -> {
                        long timer = vertx.setTimer(delay.toMillis(), id -> waiting.complete(failure));
                        waiting.onTermination(() -> vertx.cancelTimer(timer));
                    });
        }));
    }

    /** How long to wait before retrying on the same deployment, or null to stop retrying there. */
    Duration retryDelay(Throwable failure, int retry, Deployment deployment, boolean started) {
        if (started || retry > deployment.maxRetries() || !(failure instanceof ProviderException e)
                || !e.kind().retryable) {
            return null;
        }
        if (e.retryAfter() != null) {
            return e.retryAfter().compareTo(config.retryAfterCap()) > 0 ? null : e.retryAfter();
        }
        long ceiling = Math.min(config.backoffMax().toMillis(), config.backoffBase().toMillis() << (retry - 1));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling + 1));
    }

    /** Failures after which another deployment may do better. */
    private static boolean movesOn(Throwable e) {
        if (e instanceof Skipped) {
            return true;
        }
        if (!(e instanceof ProviderException failure)) {
            return false;
        }
        return failure.kind().retryable || failure.kind() == Kind.AUTHENTICATION || failure.kind() == Kind.NOT_FOUND;
    }

    /** Failures that say the deployment is unwell (not that the request was bad). */
    private static boolean countsAgainst(Throwable e) {
        return e instanceof ProviderException failure
                && (failure.kind().retryable || failure.kind() == Kind.AUTHENTICATION);
    }

    /** For status and tests. */
    public Cooldowns cooldowns() {
        return cooldowns;
    }

    /** A deployment passed over because it is cooling down or at a limit. */
    private static final class Skipped extends RuntimeException {
        Skipped() {
            super("cooling down", null, false, false);
        }
    }
}

package io.switchboard.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Multi;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.provider.ChatProvider;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.Upstream;
import io.switchboard.gateway.provider.openai.OpenAiProvider;
import io.vertx.core.http.HttpServer;
import io.vertx.mutiny.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The primary deployment is unplugged while a load runs: it answers 503, then hangs, then refuses connections. Every
 * request must still succeed from the secondary, none may hang, none may mix output from both, and the primary must
 * get almost no traffic while it cools down. Prints the figures.
 */
class FailoverDrillTest {
    private static final int CONCURRENCY = 16;
    private static final int REQUESTS_PER_PHASE = 150;
    private static final Duration COOLDOWN = Duration.ofSeconds(1);

    private final Vertx vertx = Vertx.vertx();
    private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
    private final AtomicReference<String> primaryMode = new AtomicReference<>("ok");
    private HttpServer primary;
    private HttpServer secondary;

    @AfterEach
    void stop() {
        vertx.closeAndAwait();
    }

    @Test
    void requestsFailOverWithoutHangingOrMixingWhileThePrimaryIsUnplugged() throws Exception {
        primary = server("primary", primaryMode);
        secondary = server("secondary", new AtomicReference<>("ok"));
        Router router = new Router(routes(), RouterTest.settingsWith(COOLDOWN), vertx.getDelegate());

        StringBuilder report = new StringBuilder("\nFailover drill (" + CONCURRENCY + " concurrent, "
                + REQUESTS_PER_PHASE + " requests per phase, cooldown " + COOLDOWN.toMillis() + " ms)\n");
        report.append(String.format("%-18s %8s %8s %8s %12s %12s %8s %8s%n", "phase", "ok", "errors", "mixed",
                "to primary", "to secondary", "p99 ms", "max ms"));
        for (String mode : List.of("ok", "503", "hang", "refused")) {
            if (mode.equals("refused")) {
                primary.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            primaryMode.set(mode);
            TimeUnit.MILLISECONDS.sleep(COOLDOWN.toMillis() + 100); // let the breaker half-open: each mode gets probed
            Map<String, Integer> before = snapshot();
            Phase phase = load(router);
            Map<String, Integer> after = snapshot();
            int toPrimary = after.getOrDefault("primary", 0) - before.getOrDefault("primary", 0);
            int toSecondary = after.getOrDefault("secondary", 0) - before.getOrDefault("secondary", 0);
            report.append(String.format("%-18s %8d %8d %8d %12d %12d %8d %8d%n", "primary " + mode, phase.ok.get(),
                    phase.errors.get(), phase.mixed.get(), toPrimary, toSecondary, phase.p99(), phase.max()));
            assertThat(phase.errors.get()).as("errors seen by clients with the primary " + mode + ", e.g. "
                    + phase.lastError.get()).isZero();
            assertThat(phase.mixed.get()).as("answers mixing both deployments").isZero();
            if (!mode.equals("ok")) {
                // 3 failures open the breaker; then at most one probe per cooldown window gets through
                long windows = phase.millis() / COOLDOWN.toMillis() + 1;
                assertThat(toPrimary).as("requests reaching the unplugged primary").isLessThanOrEqualTo(
                        (int) (CONCURRENCY + 2 * windows));
            }
        }
        System.out.println(report);
    }

    private Phase load(Router router) {
        Phase phase = new Phase();
        long start = System.nanoTime();
        Multi.createFrom().range(0, REQUESTS_PER_PHASE)
                .onItem().transformToUni(i -> {
                    long t0 = System.nanoTime();
                    return router.stream(LlmRequest.of("r" + i, null, null, "alias",
                                    List.of(ChatMessage.user("hi")), List.of()), d -> { })
                            .select().where(e -> e instanceof ProviderEvent.TextDelta)
                            .map(e -> ((ProviderEvent.TextDelta) e).text())
                            .collect().asList()
                            .invoke(parts -> {
                                phase.latencies.add(Duration.ofNanos(System.nanoTime() - t0).toMillis());
                                boolean mixed = parts.stream().map(p -> p.split(":")[0]).distinct().count() > 1;
                                (mixed ? phase.mixed : phase.ok).incrementAndGet();
                            })
                            .onFailure().invoke(e -> {
                                phase.errors.incrementAndGet();
                                phase.lastError.set(e.toString());
                            })
                            .onFailure().recoverWithNull();
                }).merge(CONCURRENCY)
                .collect().last().await().atMost(Duration.ofSeconds(60));
        phase.elapsedNanos.set(System.nanoTime() - start);
        return phase;
    }

    private RouteTable routes() {
        Map<String, Deployment> deployments = new java.util.LinkedHashMap<>();
        Map<String, ChatProvider> providers = new ConcurrentHashMap<>();
        for (Map.Entry<String, Integer> e : Map.of("primary", primary.actualPort(),
                "secondary", secondary.actualPort()).entrySet()) {
            Deployment d = new Deployment(e.getKey(), "openai-compatible", "http://127.0.0.1:" + e.getValue() + "/v1",
                    "m", null, 1, Duration.ofMillis(300), Duration.ofMillis(400), Duration.ofMillis(400), 0);
            providers.put(e.getKey(), new OpenAiProvider(d, new Upstream(vertx, d.baseUrl(), d.connectTimeout(),
                    d.firstByteTimeout(), d.idleTimeout())));
        }
        deployments.put("primary", new Deployment("primary", "openai-compatible", "", "m", null, 1, null, null, null, 0));
        deployments.put("secondary", new Deployment("secondary", "openai-compatible", "", "m", null, 1, null, null, null, 0));
        return new RouteTable() {
            @Override
            public List<Deployment> route(UUID orgId, String model) {
                return List.copyOf(deployments.values());
            }

            @Override
            public ChatProvider provider(Deployment deployment) {
                return providers.get(deployment.name());
            }
        };
    }

    /** An OpenAI-compatible server whose every text chunk names it, so a mixed answer shows. */
    private HttpServer server(String name, AtomicReference<String> mode) throws Exception {
        return vertx.getDelegate().createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            served.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
            switch (mode.get()) {
                case "503":
                    request.response().setStatusCode(503).putHeader("content-type", "application/json")
                            .end("{\"error\":{\"message\":\"unavailable\",\"type\":\"server_error\"}}");
                    return;
                case "hang":
                    return; // never answers
                default:
                    String chunks = List.of("a", "b", "c").stream().map(part -> "data: {\"choices\":[{\"index\":0,"
                            + "\"delta\":{\"content\":\"" + name + ":" + part + " \"},\"finish_reason\":null}]}\n\n")
                            .collect(Collectors.joining());
                    request.response().putHeader("content-type", "text/event-stream").end(chunks
                            + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                            + "data: [DONE]\n\n");
            }
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private Map<String, Integer> snapshot() {
        return served.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
    }

    private static final class Phase {
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final AtomicInteger mixed = new AtomicInteger();
        final List<Long> latencies = new java.util.concurrent.CopyOnWriteArrayList<>();
        final AtomicLong elapsedNanos = new AtomicLong();
        final AtomicReference<String> lastError = new AtomicReference<>();

        long millis() {
            return elapsedNanos.get() / 1_000_000;
        }

        long max() {
            return latencies.stream().mapToLong(Long::longValue).max().orElse(0);
        }

        long p99() {
            List<Long> sorted = latencies.stream().sorted().toList();
            return sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(sorted.size() * 0.99) - 1));
        }
    }
}

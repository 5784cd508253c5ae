package io.switchboard.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.mutiny.Multi;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.config.GatewayConfig;
import io.switchboard.gateway.provider.ChatProvider;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException.Kind;
import io.switchboard.gateway.provider.ProviderException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RouterTest {
    private static final io.vertx.core.Vertx VERTX = io.vertx.core.Vertx.vertx();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<Supplier<Multi<ProviderEvent>>>> scripts = new LinkedHashMap<>();
    private final Map<String, Deployment> deployments = new LinkedHashMap<>();
    private final Map<String, Limits> limits = new LinkedHashMap<>();
    private String strategy = "priority";
    private String contextFallback;
    private final Router router = new Router(new RouteTable() {
        @Override
        public String strategy(UUID orgId, String model) {
            return strategy;
        }

        @Override
        public Limits limits(Deployment deployment) {
            return limits.getOrDefault(deployment.name(), Limits.NONE);
        }

        @Override
        public String contextFallback(String model) {
            return model.equals("alias") ? contextFallback : null;
        }

        @Override
        public List<Deployment> route(UUID orgId, String model) {
            if (model.equals("wide")) {
                return deployments.values().stream().filter(d -> d.name().startsWith("wide")).toList();
            }
            return model.equals("alias") ? deployments.values().stream().filter(d -> !d.name().startsWith("wide"))
                    .toList() : List.of();
        }

        @Override
        public ChatProvider provider(Deployment deployment) {
            return new ChatProvider() {
                @Override
                public String name() {
                    return deployment.name();
                }

                @Override
                public Multi<ProviderEvent> stream(LlmRequest request) {
                    calls.add(deployment.name());
                    Supplier<Multi<ProviderEvent>> next = scripts.get(deployment.name()).poll();
                    return next == null ? answer("default").get() : next.get();
                }
            };
        }
    }, settings(), VERTX);

    @Test
    void retriesA429HonouringRetryAfterThenSucceedsWithoutFallingBack() {
        deployment("primary", 2, failure(rateLimited(Duration.ofMillis(200))), failure(rateLimited(Duration.ofMillis(200))),
                answer("ok"));
        deployment("secondary", 2);
        long start = System.nanoTime();
        Outcome outcome = run();
        assertThat(outcome.text()).isEqualTo("ok");
        assertThat(calls).containsExactly("primary", "primary", "primary");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
    }

    @Test
    void neverRetriesNorFallsBackOnABadRequest() {
        deployment("primary", 2, failure(new ProviderException(Kind.INVALID_REQUEST, 400, "bad", null)));
        deployment("secondary", 2);
        Outcome outcome = run();
        assertThat(outcome.failure.kind()).isEqualTo(Kind.INVALID_REQUEST);
        assertThat(calls).containsExactly("primary");
    }

    @Test
    void fallsBackInOrderOnceTheRetriesAreSpent() {
        deployment("primary", 2, failure(serverError()), failure(serverError()), failure(serverError()));
        deployment("secondary", 0, failure(serverError()));
        deployment("tertiary", 0, answer("from tertiary"));
        Outcome outcome = run();
        assertThat(outcome.text()).isEqualTo("from tertiary");
        assertThat(calls).containsExactly("primary", "primary", "primary", "secondary", "tertiary");
    }

    @Test
    void afterTheFirstChunkAFailureEndsTheStreamAndNothingIsSpliced() {
        deployment("primary", 2, () -> Multi.createFrom().<ProviderEvent>item(new ProviderEvent.TextDelta("Hel"))
                .onCompletion().switchTo(() -> Multi.createFrom().failure(serverError())));
        deployment("secondary", 0, answer("other"));
        Outcome outcome = run();
        assertThat(outcome.text()).isEqualTo("Hel");
        assertThat(outcome.failure.kind()).isEqualTo(Kind.SERVER_ERROR);
        assertThat(calls).containsExactly("primary");
    }

    @Test
    void aDeploymentThatKeepsFailingCoolsDownThenGetsOneProbe() throws Exception {
        deployment("primary", 0, failure(serverError()), failure(serverError()), failure(serverError()), answer("back"));
        deployment("secondary", 0, answer("a"), answer("b"), answer("c"), answer("d"), answer("e"));
        for (int i = 0; i < 3; i++) {
            assertThat(run().failure).isNull();
        }
        assertThat(router.cooldowns().open("primary")).isTrue();
        assertThat(run().text()).isEqualTo("d"); // primary skipped while cooling down
        assertThat(calls.stream().filter("primary"::equals).count()).isEqualTo(3);
        TimeUnit.MILLISECONDS.sleep(settings().cooldown().toMillis() + 100);
        assertThat(run().text()).isEqualTo("back"); // the probe succeeds and closes the breaker
        assertThat(router.cooldowns().open("primary")).isFalse();
    }

    @Test
    void whenEveryDeploymentIsCoolingDownTheRequestFailsFast() {
        deployment("primary", 0, failure(serverError()), failure(serverError()), failure(serverError()));
        for (int i = 0; i < 3; i++) {
            run();
        }
        long start = System.nanoTime();
        Outcome outcome = run();
        assertThat(outcome.failure.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(200));
        assertThat(calls).hasSize(3);
    }

    @Test
    void aRetryAfterBeyondTheCapFailsOverInsteadOfWaiting() {
        deployment("primary", 2, failure(rateLimited(Duration.ofMinutes(5))));
        deployment("secondary", 0, answer("right away"));
        long start = System.nanoTime();
        assertThat(run().text()).isEqualTo("right away");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(calls).containsExactly("primary", "secondary");
    }

    @Test
    void anUnknownModelFailsAtOnce() {
        List<ProviderEvent> events = new ArrayList<>();
        Throwable failure = router.stream(LlmRequest.of("r", null, null, "nope", List.of(ChatMessage.user("x")),
                List.of()), d -> { }).onItem().invoke(events::add).collect().asList()
                .onItem().transform(x -> (Throwable) null).onFailure().recoverWithItem(e -> e)
                .await().atMost(Duration.ofSeconds(5));
        assertThat(((ProviderException) failure).kind()).isEqualTo(Kind.UNKNOWN_MODEL);
    }

    @Test
    void leastBusySendsTheNextRequestWhereFewerCallsAreInFlight() {
        strategy = "least-busy";
        deployment("a", 0, () -> Multi.createFrom().nothing(), answer("from a"));
        deployment("b", 0, answer("from b"));
        var hanging = router.stream(request(), d -> { }).subscribe().with(e -> { });
        assertThat(run().text()).isEqualTo("from b");
        hanging.cancel();
        assertThat(run().text()).isEqualTo("from a"); // nothing in flight any more: back to the first
    }

    @Test
    void aDeploymentAtItsConcurrencyLimitIsPassedOver() {
        limits.put("a", new Limits(1, 1, 0, 0));
        deployment("a", 0, () -> Multi.createFrom().nothing(), answer("from a"));
        deployment("b", 0, answer("from b"));
        var hanging = router.stream(request(), d -> { }).subscribe().with(e -> { });
        assertThat(run().text()).isEqualTo("from b");
        assertThat(calls).containsExactly("a", "b");
        hanging.cancel();
    }

    @Test
    void aDeploymentOutOfRequestsForTheMinuteIsPassedOver() {
        limits.put("a", new Limits(1, 0, 2, 0));
        deployment("a", 0);
        deployment("b", 0);
        for (int i = 0; i < 4; i++) {
            run();
        }
        assertThat(calls).containsExactly("a", "a", "b", "b");
    }

    @Test
    void aDeploymentThatUsedItsTokensForTheMinuteIsPassedOver() {
        limits.put("a", new Limits(1, 0, 0, 100));
        deployment("a", 0, answerUsing(60), answerUsing(60), answerUsing(60));
        deployment("b", 0);
        for (int i = 0; i < 3; i++) {
            run();
        }
        // 60 tokens leave 40; the second call takes it below zero; the third must wait for the refill
        assertThat(calls).containsExactly("a", "a", "b");
    }

    @Test
    void whenEveryDeploymentIsAtItsLimitTheCallFailsAsUnavailableAndSaysWhy() {
        limits.put("a", new Limits(1, 0, 1, 0));
        deployment("a", 0);
        run();
        Outcome refused = run();
        assertThat(refused.failure.kind()).isEqualTo(Kind.UNAVAILABLE);
        assertThat(refused.failure.getMessage()).contains("requests or tokens per minute");
        assertThat(calls).containsExactly("a");
    }

    @Test
    void weightedSpreadsRequestsByWeight() {
        strategy = "weighted";
        limits.put("heavy", new Limits(3, 0, 0, 0));
        deployment("heavy", 0);
        deployment("light", 0);
        for (int i = 0; i < 400; i++) {
            run();
        }
        long heavy = calls.stream().filter("heavy"::equals).count();
        assertThat(heavy).isBetween(250L, 350L);
        assertThat(calls).hasSize(400);
    }

    @Test
    void aRequestTooLongForTheWindowGoesToTheContextFallback() {
        contextFallback = "wide";
        deployment("small", 2, failure(new ProviderException(Kind.CONTEXT_LENGTH_EXCEEDED, 400, "too long", null)));
        deployment("wide-window", 0, answer("fits"));
        assertThat(run().text()).isEqualTo("fits");
        assertThat(calls).containsExactly("small", "wide-window");
    }

    @Test
    void withoutAContextFallbackTheContextErrorReachesTheClient() {
        deployment("small", 2, failure(new ProviderException(Kind.CONTEXT_LENGTH_EXCEEDED, 400, "too long", null)));
        assertThat(run().failure.kind()).isEqualTo(Kind.CONTEXT_LENGTH_EXCEEDED);
        assertThat(calls).containsExactly("small");
    }

    @Test
    void aCallThatOutlivesTheTotalTimeoutEndsWithATimeoutAfterWhatItSent() {
        deployment("slow", 0, () -> Multi.createFrom().<ProviderEvent>item(new ProviderEvent.TextDelta("partial"))
                .onCompletion().switchTo(() -> Multi.createFrom().nothing()));
        long start = System.nanoTime();
        Outcome outcome = run();
        assertThat(outcome.text()).isEqualTo("partial");
        assertThat(outcome.failure.kind()).isEqualTo(Kind.TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    // ---- helpers

    private static LlmRequest request() {
        return LlmRequest.of("r", null, null, "alias", List.of(ChatMessage.user("x")), List.of());
    }

    @SafeVarargs
    private void deployment(String name, int maxRetries, Supplier<Multi<ProviderEvent>>... script) {
        deployments.put(name, new Deployment(name, "test", "http://unused", name, null, maxRetries,
                Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), 0));
        scripts.put(name, new ConcurrentLinkedDeque<>(List.of(script)));
    }

    private static Supplier<Multi<ProviderEvent>> answer(String text) {
        return () -> Multi.createFrom().items(new ProviderEvent.TextDelta(text), new ProviderEvent.Finish("stop"));
    }

    private static Supplier<Multi<ProviderEvent>> answerUsing(int tokens) {
        return () -> Multi.createFrom().items(new ProviderEvent.TextDelta("t"),
                new ProviderEvent.Usage(tokens / 2, tokens - tokens / 2, 0), new ProviderEvent.Finish("stop"));
    }

    private static Supplier<Multi<ProviderEvent>> failure(ProviderException e) {
        return () -> Multi.createFrom().failure(e);
    }

    private static ProviderException rateLimited(Duration retryAfter) {
        return new ProviderException(Kind.RATE_LIMITED, 429, "slow down", retryAfter);
    }

    private static ProviderException serverError() {
        return new ProviderException(Kind.SERVER_ERROR, 500, "boom", null);
    }

    private Outcome run() {
        List<ProviderEvent> events = new CopyOnWriteArrayList<>();
        Throwable failure = router.stream(LlmRequest.of("r", null, null, "alias", List.of(ChatMessage.user("x")),
                        List.of()), d -> { })
                .onItem().invoke(events::add).collect().asList()
                .onItem().transform(x -> (Throwable) null).onFailure().recoverWithItem(e -> e)
                .await().atMost(Duration.ofSeconds(10));
        return new Outcome(events, (ProviderException) failure);
    }

    private record Outcome(List<ProviderEvent> events, ProviderException failure) {
        String text() {
            return events.stream().filter(e -> e instanceof ProviderEvent.TextDelta)
                    .map(e -> ((ProviderEvent.TextDelta) e).text()).collect(Collectors.joining());
        }
    }

    static GatewayConfig.Routing settings() {
        return settingsWith(Duration.ofMillis(500));
    }

    static GatewayConfig.Routing settingsWith(Duration cooldown) {
        return new GatewayConfig.Routing() {
            @Override
            public Duration backoffBase() {
                return Duration.ofMillis(10);
            }

            @Override
            public Duration backoffMax() {
                return Duration.ofMillis(50);
            }

            @Override
            public Duration retryAfterCap() {
                return Duration.ofSeconds(10);
            }

            @Override
            public int failuresToCoolDown() {
                return 3;
            }

            @Override
            public Duration cooldown() {
                return cooldown;
            }

            @Override
            public Duration totalTimeout() {
                return Duration.ofSeconds(2);
            }
        };
    }
}

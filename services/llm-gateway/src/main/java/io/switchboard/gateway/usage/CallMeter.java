package io.switchboard.gateway.usage;

import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException;
import io.switchboard.gateway.routing.Deployment;
import java.time.Instant;

/** Watches one call as it passes and turns it into a {@link CallRecord} at the end. One stream, one thread at a time. */
public final class CallMeter {
    private final String requestId;
    private final String sessionId;
    private final String turnId;
    private final String model;
    private final Instant startedAt = Instant.now();
    private final long startNanos = System.nanoTime();
    private volatile Deployment deployment;
    private volatile int attempts;
    private long firstContentNanos = -1;
    private int inputTokens;
    private int outputTokens;
    private int cachedInputTokens;
    private String status = "cancelled";

    public CallMeter(LlmRequest request) {
        this(request.requestId(), request.sessionId(), request.turnId(), request.model());
    }

    public CallMeter(String requestId, String sessionId, String turnId, String model) {
        this.requestId = requestId;
        this.sessionId = sessionId;
        this.turnId = turnId;
        this.model = model;
    }

    public void attempt(Deployment deployment) {
        this.deployment = deployment;
        attempts++;
    }

    public void observe(ProviderEvent event) {
        if (firstContentNanos < 0 && !(event instanceof ProviderEvent.Usage)) {
            firstContentNanos = System.nanoTime();
        }
        if (event instanceof ProviderEvent.Usage usage) {
            inputTokens = usage.inputTokens();
            outputTokens = usage.outputTokens();
            cachedInputTokens = usage.cachedInputTokens();
        } else if (event instanceof ProviderEvent.Finish) {
            status = "ok";
        }
    }

    public void failed(Throwable failure) {
        status = failure instanceof ProviderException e ? e.kind().code : "internal_error";
    }

    public CallRecord finish() {
        long now = System.nanoTime();
        Integer ttftMs = firstContentNanos < 0 ? null : (int) ((firstContentNanos - startNanos) / 1_000_000);
        Deployment served = deployment;
        return new CallRecord(requestId, sessionId, turnId, model, served == null ? null : served.name(),
                served == null ? "none" : served.provider(), attempts, status, inputTokens, outputTokens,
                cachedInputTokens, (int) ((now - startNanos) / 1_000_000), ttftMs, startedAt);
    }
}

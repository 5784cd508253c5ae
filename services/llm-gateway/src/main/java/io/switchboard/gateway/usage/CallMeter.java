package io.switchboard.gateway.usage;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ContentPart;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.gateway.cost.PriceTable;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException;
import io.switchboard.gateway.provider.Unsupported;
import io.switchboard.gateway.routing.Deployment;
import io.switchboard.gateway.routing.Router;
import io.switchboard.tokens.TokenCounter;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/** Watches one call as it passes and turns it into a {@link CallRecord} at the end. One stream, one thread at a time. */
public final class CallMeter {
    private final String requestId;
    private final String sessionId;
    private final String turnId;
    private final String model;
    private final String agentId;
    private final UUID orgId;
    private final Span span;
    private final Instant startedAt = Instant.now();
    private final long startNanos = System.nanoTime();
    private final GenerationSettings settings;
    private volatile Deployment deployment;
    private volatile int attempts;
    private final List<String> attemptedOn = new CopyOnWriteArrayList<>();
    private long firstContentNanos = -1;
    private int inputTokens;
    private int outputTokens;
    private int cachedInputTokens;
    private String status = "cancelled";
    private String finishReason;
    private volatile UUID apiKeyId;
    private volatile boolean keyBudgeted;
    /** The most the call may cost: reserved on budgets before it goes out; null when it has no price. */
    private final BigDecimal reserve;
    // the call's row in the ledger, and its record once it ended: whichever comes second settles the row
    private Long callId;
    private CallRecord ended;
    /** Its row could not be written (the call was refused; it may have gone out already). */
    private boolean unrecordable;
    /** The vendor said what the call used; else it is estimated from the text that went and came (below). */
    private boolean usageReported;
    private final long promptChars;
    private long answerChars;
    // the answer, kept only when content capture is on (for the span)
    private final StringBuilder text;
    private final List<ProviderEvent.ToolCall> toolCalls;

    /** Use {@link CallRecorder#start}: it opens the call's span too. */
    CallMeter(LlmRequest request, Span span, boolean captureContent, BigDecimal reserve, long promptChars) {
        this.reserve = reserve;
        this.requestId = request.requestId();
        this.sessionId = request.sessionId();
        this.turnId = request.turnId();
        this.agentId = request.agentId();
        this.orgId = Router.orgOf(request);
        this.model = request.model();
        this.settings = request.settings();
        this.promptChars = promptChars;
        this.span = span;
        this.text = captureContent ? new StringBuilder() : null;
        this.toolCalls = captureContent ? new ArrayList<>() : null;
    }

    Span span() {
        return span;
    }

    /** The ids of the call's span, for the log lines about it. */
    public SpanContext trace() {
        return span.getSpanContext();
    }

    String requestId() {
        return requestId;
    }

    String sessionId() {
        return sessionId;
    }

    String turnId() {
        return turnId;
    }

    String agentId() {
        return agentId;
    }

    String model() {
        return model;
    }

    UUID orgId() {
        return orgId;
    }

    UUID apiKeyId() {
        return apiKeyId;
    }

    Instant startedAt() {
        return startedAt;
    }

    BigDecimal reserve() {
        return reserve;
    }

    /**
     * Its row cannot be written; gives its record when it already ended (to be logged, as no row will hold it),
     * else null ({@link #ended} gives it then).
     */
    synchronized CallRecord unrecordable() {
        unrecordable = true;
        return ended;
    }

    /** The call's ledger row is open; gives the call's record when it already ended (to settle now), else null. */
    synchronized CallRecord opened(long id) {
        callId = id;
        return ended;
    }

    /**
     * The call ended; gives its ledger row's id when open (to settle now), {@link #UNRECORDABLE} when its row could not
     * be written (to log), else null (settled when it opens).
     */
    synchronized Long ended(CallRecord call) {
        ended = call;
        return callId == null && unrecordable ? UNRECORDABLE : callId;
    }

    /** What {@link #ended} gives for a call whose row could not be written. */
    static final Long UNRECORDABLE = -1L;

    /** Why the model stopped ({@code stop}, {@code tool_calls}, ...), or null when it did not finish. */
    String finishReason() {
        return finishReason;
    }

    /** The virtual key the call was made with (front doors), and whether it has a budget the call reserves on. */
    public void apiKey(UUID id, boolean budgeted) {
        this.apiKeyId = id;
        this.keyBudgeted = budgeted;
    }

    boolean keyBudgeted() {
        return keyBudgeted;
    }

    public void attempt(Deployment deployment) {
        this.deployment = deployment;
        attempts++;
        attemptedOn.add(deployment.name());
    }

    /** The deployments the call was tried on, in order (one per attempt). */
    List<String> attemptedOn() {
        return attemptedOn;
    }

    public void observe(ProviderEvent event) {
        if (event instanceof ProviderEvent.Verbatim) {
            return; // its events follow it
        }
        if (firstContentNanos < 0 && !(event instanceof ProviderEvent.Usage)) {
            firstContentNanos = System.nanoTime();
        }
        if (event instanceof ProviderEvent.Usage usage) {
            inputTokens = usage.inputTokens();
            outputTokens = usage.outputTokens();
            cachedInputTokens = usage.cachedInputTokens();
            usageReported = true;
            return;
        }
        if (event instanceof ProviderEvent.TextDelta delta) {
            answerChars += delta.text().length();
        } else if (event instanceof ProviderEvent.ReasoningDelta reasoning) {
            answerChars += reasoning.text().length();
        } else if (event instanceof ProviderEvent.ToolCall call) {
            answerChars += call.name().length() + String.valueOf(call.arguments()).length();
        }
        if (event instanceof ProviderEvent.Finish finish) {
            status = "ok";
            finishReason = finish.reason();
        } else if (text != null && event instanceof ProviderEvent.TextDelta delta) {
            text.append(delta.text());
        } else if (toolCalls != null && event instanceof ProviderEvent.ToolCall call) {
            toolCalls.add(call);
        }
    }

    /** The answer for {@code gen_ai.output.messages}, or null when content is not captured. */
    String outputMessages() {
        return text == null ? null : SpanContent.outputMessages(text, toolCalls, finishReason);
    }

    private static String dropped(List<String> names) {
        return names.isEmpty() ? null : String.join(",", names);
    }

    public void failed(Throwable failure) {
        status = failure instanceof ProviderException e ? e.kind().code : "internal_error";
    }

    /**
     * What a request sends, in characters of text: the base of every estimate of its tokens before the vendor says
     * (the budget's reservation counts two characters a token, on the high side; the usage of a vendor that reports
     * none, four, as English text goes). An image counts as 1,600 tokens' worth, a document by its size.
     */
    static long promptChars(LlmRequest request) {
        long chars = 0;
        for (ChatMessage message : request.messages() == null ? List.<ChatMessage>of() : request.messages()) {
            chars += 16 + (message.content() == null ? 0 : message.content().length());
            if (message.toolCalls() != null) {
                for (ToolCall call : message.toolCalls()) {
                    chars += 16 + String.valueOf(call.arguments()).length();
                }
            }
            if (message.parts() != null) {
                for (ContentPart part : message.parts()) {
                    chars += part.type().equals(ContentPart.IMAGE) ? 4L * TokenCounter.PER_IMAGE
                            : part.type().equals(ContentPart.DOCUMENT) && part.data() != null ? part.data().length() / 4
                            : 0;
                }
            }
        }
        return chars;
    }

    /** What these tokens cost on the deployment serving the call; null when its model has no price. */
    public BigDecimal cost(PriceTable prices, int inputTokens, int outputTokens, int cachedInputTokens) {
        Deployment served = deployment;
        BigDecimal cost = prices.cost(served == null ? null : served.model(), inputTokens, outputTokens,
                cachedInputTokens);
        return cost == null && inputTokens + outputTokens == 0 ? BigDecimal.ZERO : cost;
    }

    public CallRecord finish(PriceTable prices) {
        long now = System.nanoTime();
        boolean estimated = !usageReported && "ok".equals(status); // a server that reports no usage (some do)
        if (estimated) {
            inputTokens = (int) Math.min(Integer.MAX_VALUE, (promptChars + 3) / 4);
            outputTokens = (int) Math.min(Integer.MAX_VALUE, (answerChars + 3) / 4);
        }
        Integer ttftMs = firstContentNanos < 0 ? null : (int) ((firstContentNanos - startNanos) / 1_000_000);
        Deployment served = deployment;
        String upstreamModel = served == null ? null : served.model();
        BigDecimal cost = cost(prices, inputTokens, outputTokens, cachedInputTokens); // nothing used costs nothing
        return new CallRecord(requestId, sessionId, turnId, agentId, model, served == null ? null : served.name(),
                upstreamModel, served == null ? "none" : served.provider(), attempts, status, inputTokens,
                outputTokens, cachedInputTokens, cost, (int) ((now - startNanos) / 1_000_000), ttftMs, startedAt,
                apiKeyId, orgId, served == null || !Unsupported.dropped(served, settings) ? null
                        : dropped(Unsupported.of(served.provider(), settings)), estimated);
    }
}

package io.switchboard.gateway.usage;

import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import java.time.Instant;

/** Watches one call's chunks as they pass and turns them into a {@link CallRecord} at the end. Not thread-safe: one stream. */
public final class CallMeter {
    private final LlmRequest request;
    private final String provider;
    private final Instant startedAt = Instant.now();
    private final long startNanos = System.nanoTime();
    private long firstChunkNanos = -1;
    private int chunks;
    private int inputTokens;
    private int outputTokens;
    private String status = "incomplete";

    public CallMeter(LlmRequest request, String provider) {
        this.request = request;
        this.provider = provider;
    }

    public void observe(LlmChunk chunk) {
        chunks++;
        if (firstChunkNanos < 0 && (chunk instanceof LlmChunk.TextDelta || chunk instanceof LlmChunk.ToolCallRequested)) {
            firstChunkNanos = System.nanoTime();
        }
        if (chunk instanceof LlmChunk.Usage usage) {
            inputTokens = usage.inputTokens();
            outputTokens = usage.outputTokens();
        } else if (chunk instanceof LlmChunk.Finished) {
            status = "ok";
        } else if (chunk instanceof LlmChunk.Failed failed) {
            status = failed.code();
        }
    }

    /** The seq the next chunk of this stream must carry. */
    public int nextSeq() {
        return chunks;
    }

    public CallRecord finish() {
        long now = System.nanoTime();
        Integer ttftMs = firstChunkNanos < 0 ? null : (int) ((firstChunkNanos - startNanos) / 1_000_000);
        return new CallRecord(request.requestId(), request.sessionId(), request.turnId(), request.model(), provider,
                status, inputTokens, outputTokens, (int) ((now - startNanos) / 1_000_000), ttftMs, startedAt);
    }
}

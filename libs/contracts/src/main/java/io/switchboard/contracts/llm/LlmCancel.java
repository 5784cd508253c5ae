package io.switchboard.contracts.llm;

/**
 * On {@code llm.cancels}, keyed by request id: the requester no longer wants the answer to {@code requestId}. Every
 * gateway replica reads these; the one serving the request closes its upstream call, so it stops generating (and
 * billing).
 */
public record LlmCancel(String requestId, int schemaVersion) {
    public static final int SCHEMA_VERSION = 1;

    public static LlmCancel of(String requestId) {
        return new LlmCancel(requestId, SCHEMA_VERSION);
    }
}

package io.switchboard.gateway.provider;

import java.time.Duration;

/**
 * A provider call that failed, classified so the router knows whether trying again (here or elsewhere) can help.
 * The message never contains credentials.
 */
public class ProviderException extends RuntimeException {

    /** The failure classes, with whether a retry or another deployment may succeed. */
    public enum Kind {
        RATE_LIMITED("rate_limited", true),
        OVERLOADED("overloaded", true),
        SERVER_ERROR("provider_error", true),
        TIMEOUT("timeout", true),
        CONNECTION_FAILED("connection_failed", true),
        STREAM_INTERRUPTED("stream_interrupted", true),
        INVALID_REQUEST("invalid_request", false),
        CONTEXT_LENGTH_EXCEEDED("context_length_exceeded", false),
        AUTHENTICATION("authentication_failed", false),
        NOT_FOUND("not_found", false),
        UNKNOWN_MODEL("unknown_model", false),
        UNAVAILABLE("no_deployment_available", false),
        /** The key's budget or the organization's monthly one would be exceeded by what the call may cost. */
        BUDGET_EXCEEDED("budget_exceeded", false),
        /** The call could not be written down before it went out (the database is unreachable): not sent. */
        LEDGER_UNAVAILABLE("usage_unavailable", true),
        /** The requester gave up on the answer (a cancelled turn): the upstream call was closed. */
        CANCELLED("cancelled", false);

        public final String code;
        public final boolean retryable;

        Kind(String code, boolean retryable) {
            this.code = code;
            this.retryable = retryable;
        }
    }

    private final Kind kind;
    private final int status;
    private final Duration retryAfter;

    public ProviderException(Kind kind, int status, String message, Duration retryAfter) {
        super(message, null, false, false);
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public ProviderException(Kind kind, String message) {
        this(kind, 0, message, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The upstream HTTP status, or 0 when there was none. */
    public int status() {
        return status;
    }

    /** What the provider asked us to wait ({@code Retry-After}), or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** Classifies an HTTP error status the way every vendor uses them. */
    public static Kind kindOf(int status, String body) {
        String text = body == null ? "" : body.toLowerCase(java.util.Locale.ROOT);
        if (status == 429) {
            return Kind.RATE_LIMITED;
        }
        if (status == 529 || text.contains("overloaded")) {
            return Kind.OVERLOADED;
        }
        if (status == 408) {
            return Kind.TIMEOUT;
        }
        if (status >= 500) {
            return Kind.SERVER_ERROR;
        }
        if (text.contains("context_length") || text.contains("context length") || text.contains("prompt is too long")
                || text.contains("maximum context")) {
            return Kind.CONTEXT_LENGTH_EXCEEDED;
        }
        if (status == 401 || status == 403) {
            return Kind.AUTHENTICATION;
        }
        if (status == 404) {
            return Kind.NOT_FOUND;
        }
        return Kind.INVALID_REQUEST;
    }
}

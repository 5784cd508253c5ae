package io.switchboard.api;

import jakarta.ws.rs.core.Response;
import java.time.Duration;

/** An HTTP error answered as RFC 9457 problem+json. */
public class Problem extends RuntimeException {
    private final int status;
    private final String title;
    /** Seconds to wait before trying again ({@code Retry-After}), or null. */
    private final Long retryAfterSeconds;

    public Problem(int status, String title, String detail) {
        this(status, title, detail, null);
    }

    private Problem(int status, String title, String detail, Long retryAfterSeconds) {
        super(ApiInput.cut(detail), null, false, false);
        this.status = status;
        this.title = title;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 429, saying when to try again. */
    public static Problem tooManyRequests(String detail, Duration retryAfter) {
        return new Problem(429, "Too Many Requests", detail, Math.max(1, (retryAfter.toMillis() + 999) / 1000));
    }

    /** 503, saying when to try again. */
    public static Problem unavailable(String detail, Duration retryAfter) {
        return new Problem(503, "Service Unavailable", detail, Math.max(1, (retryAfter.toMillis() + 999) / 1000));
    }

    public static Problem badRequest(String detail) {
        return new Problem(400, "Bad Request", detail);
    }

    public static Problem notFound(String detail) {
        return new Problem(404, "Not Found", detail);
    }

    public static Problem conflict(String detail) {
        return new Problem(409, "Conflict", detail);
    }

    public static Problem tooLarge(String detail) {
        return new Problem(413, "Content Too Large", detail);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public Response toResponse(String instance) {
        Response.ResponseBuilder response = Response.status(status).type("application/problem+json")
                .entity(new Body("about:blank", title, status, getMessage(), instance));
        if (retryAfterSeconds != null) {
            response.header("Retry-After", retryAfterSeconds);
        }
        return response.build();
    }

    /** The problem+json document. */
    public record Body(String type, String title, int status, String detail, String instance) {
    }
}

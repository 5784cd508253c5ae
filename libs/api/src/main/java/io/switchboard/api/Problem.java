package io.switchboard.api;

import jakarta.ws.rs.core.Response;

/** An HTTP error answered as RFC 9457 problem+json. */
public class Problem extends RuntimeException {
    private final int status;
    private final String title;

    public Problem(int status, String title, String detail) {
        super(ApiInput.cut(detail), null, false, false);
        this.status = status;
        this.title = title;
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
        return Response.status(status).type("application/problem+json")
                .entity(new Body("about:blank", title, status, getMessage(), instance)).build();
    }

    /** The problem+json document. */
    public record Body(String type, String title, int status, String detail, String instance) {
    }
}

package io.switchboard.gateway.frontdoor;

/**
 * A client's request that cannot be served as sent (bad input, no or spent key, over its rate): answered with a 4xx
 * in the door's own error format; {@code code} is machine-readable, {@code retryAfterSeconds} set when waiting helps.
 */
class FrontDoorRequest extends RuntimeException {
    final int status;
    final String code;
    final Long retryAfterSeconds;

    FrontDoorRequest(int status, String code, String message, Long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static FrontDoorRequest invalid(String message) {
        return new FrontDoorRequest(400, null, message, null);
    }
}

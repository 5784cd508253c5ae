package io.switchboard.gateway.frontdoor;

/** A client's request that cannot be served as sent: answered with a 4xx in the door's own error format. */
class FrontDoorRequest extends RuntimeException {
    final int status;

    FrontDoorRequest(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static FrontDoorRequest invalid(String message) {
        return new FrontDoorRequest(400, message);
    }
}

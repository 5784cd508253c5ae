package io.switchboard.runtime.errors;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** A failure no mapper of its own takes is still problem+json: a 503 to retry when out of reach, else a 500. */
@QuarkusTest
class UnexpectedErrorTest {

    /** Fails as code does when it has a bug, or when what it needs is out of reach. */
    @Path("/test/failing")
    @PermitAll
    public static class Failing {
        @GET
        @Path("/bug")
        public String bug() {
            throw new IllegalStateException("a bug");
        }

        @GET
        @Path("/unreachable")
        public String unreachable() throws ConnectException {
            throw new ConnectException("Connection refused: localhost/127.0.0.1:5432");
        }
    }

    @Test
    void aBugIsA500ProblemWhoseIdIsInTheLog() {
        given().get("/test/failing/bug").then().statusCode(500).contentType("application/problem+json")
                .body("status", equalTo(500)).body("instance", equalTo("/test/failing/bug"))
                .body("detail", matchesPattern("an unexpected error \\(id [0-9a-f-]{36} in the service's log\\)"));
    }

    @Test
    void somethingOutOfReachIsA503ToTryAgain() {
        given().get("/test/failing/unreachable").then().statusCode(503).contentType("application/problem+json")
                .header("Retry-After", "5").body("status", equalTo(503));
    }
}

package io.switchboard.admin.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.ClientWebApplicationException;
import org.junit.jupiter.api.Test;

/**
 * A page that fails (unexpectedly, or a call to another service) says so in plain words, with an id for the log when
 * unexpected; its scripts get problem+json.
 */
@QuarkusTest
class ErrorPagesTest {

    /** A page with a bug. */
    @Path("/test/failing")
    @PermitAll
    public static class Failing {
        @GET
        @Produces({MediaType.TEXT_HTML, MediaType.APPLICATION_JSON})
        public String bug() {
            throw new IllegalStateException("a bug");
        }
    }

    /** A page whose call to another service was answered with a server error. */
    @Path("/test/refused")
    @PermitAll
    public static class Refused {
        @GET
        @Produces({MediaType.TEXT_HTML, MediaType.APPLICATION_JSON})
        public String call() {
            // as the REST client says it
            throw new ClientWebApplicationException("Received: 'Internal Server Error, status code 500' when"
                    + " invoking: Rest Client method: 'io.switchboard.admin.client.AgentRuntimeClient#agents'", 500);
        }
    }

    @Test
    void aFailedCallIsABadGatewayInPlainWordsOrAProblemWithoutTheClientsMessage() {
        given().accept(ContentType.HTML).get("/test/refused").then().statusCode(502).contentType(ContentType.TEXT)
                .body(equalTo("the service answered 500"));
        given().accept(ContentType.JSON).get("/test/refused").then().statusCode(502)
                .contentType("application/problem+json").body("detail", equalTo("the service answered 500"));
    }

    /** A page about something that is not there. */
    @Path("/test/missing")
    @PermitAll
    public static class Missing {
        @GET
        @Produces({MediaType.TEXT_HTML, MediaType.APPLICATION_JSON})
        public String page() {
            throw new NotFoundException("no stream 42");
        }
    }

    @Test
    void aPageOfSomethingNotThereIsA404InItsOwnWordsOrAProblem() {
        given().accept(ContentType.HTML).get("/test/missing").then().statusCode(404).contentType(ContentType.TEXT)
                .body(equalTo("no stream 42"));
        given().accept(ContentType.JSON).get("/test/missing").then().statusCode(404)
                .contentType("application/problem+json").body("detail", equalTo("no stream 42"));
    }

    @Test
    void aBrowserIsToldInPlainWords() {
        given().accept(ContentType.HTML).get("/test/failing").then().statusCode(500).contentType(ContentType.TEXT)
                .body(matchesPattern("an unexpected error \\(id [0-9a-f-]{36} in the service's log\\)"));
    }

    @Test
    void aScriptGetsAProblem() {
        given().accept(ContentType.JSON).get("/test/failing").then().statusCode(500)
                .contentType("application/problem+json").body("status", equalTo(500));
    }
}

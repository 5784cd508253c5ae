package io.switchboard.admin;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Without a sign-in, admin-ui shows nothing but its sign-in page; forms need their CSRF token. (Signing in itself, and
 * everything after it, needs agent-runtime: PlatformIT does that against the real platform.)
 */
@QuarkusTest
class SignInTest {

    @Test
    void anUnknownVisitorIsSentToTheSignInPageAndBackAfterwards() {
        for (String page : new String[] {"/agents", "/sessions/x", "/models", "/keys", "/evals", "/usage", "/approvals"}) {
            given().redirects().follow(false).accept(ContentType.HTML).get(page).then().statusCode(303)
                    .header("Location", equalTo("http://localhost:" + io.restassured.RestAssured.port
                            + "/sign-in?then=" + java.net.URLEncoder.encode(page, java.nio.charset.StandardCharsets.UTF_8)));
        }
        given().get("/sign-in?then=/models").then().statusCode(200)
                .body(containsString("name=\"then\" value=\"/models\""))
                .body(containsString("name=\"csrf-token\""));
        // never to another site
        for (String elsewhere : new String[] {"//evil.example", "/%09/evil.example", "/%5Cevil.example",
                "https://evil.example", "/%0a/evil.example"}) {
            given().urlEncodingEnabled(false).get("/sign-in?then=" + elsewhere).then().statusCode(200)
                    .body(containsString("name=\"then\" value=\"/agents\""));
        }
    }

    @Test
    void forwardedHeadersAreNotBelievedUnlessAProxyIsTrusted() {
        given().redirects().follow(false).accept(ContentType.HTML).header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "evil.example").get("/agents").then().statusCode(303)
                .header("Location", startsWith("http://localhost:"));
    }

    @Test
    void scriptsAndStreamsGetAProblemNotARedirect() {
        given().accept(ContentType.JSON).contentType(ContentType.JSON).body("{\"text\":\"hi\"}")
                .post("/sessions/x/messages").then().statusCode(401).contentType("application/problem+json");
        given().accept("text/event-stream").get("/sessions/x/stream").then().statusCode(401);
        // a cookie: agent-runtime, which checks sign-ins, is not running here, and that is what the answer says
        given().cookie("switchboard_session", "sb_made_up").accept(ContentType.HTML).get("/agents")
                .then().statusCode(503).body(containsString("agent-runtime"))
                .body(not(containsString("8081"))).body(not(containsString("127.0.0.1")));
    }

    @Test
    void aSignInWhileAgentRuntimeIsUnreachableSaysSoWithoutItsAddress() {
        Response page = given().get("/sign-in");
        Matcher token = Pattern.compile("name=\"csrf-token\" value=\"([^\"]+)\"").matcher(page.asString());
        assertTrue(token.find(), "the sign-in form has its CSRF token");
        // agent-runtime is not running here: its address is refused
        given().redirects().follow(false).cookies(page.cookies()).contentType(ContentType.URLENC)
                .formParam("csrf-token", token.group(1)).formParam("username", "admin").formParam("password", "x")
                .post("/sign-in").then().statusCode(503)
                .body(containsString("the service is not reachable right now"))
                .body(not(containsString("8081"))).body(not(containsString("127.0.0.1")));
    }

    @Test
    void aFormWithoutItsCsrfTokenIsRefused() {
        given().redirects().follow(false).contentType(ContentType.URLENC).formParam("username", "admin")
                .formParam("password", "x").post("/sign-in").then().statusCode(400);
    }
}

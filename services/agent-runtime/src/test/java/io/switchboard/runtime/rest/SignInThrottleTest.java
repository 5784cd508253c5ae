package io.switchboard.runtime.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.auth.SignInThrottle;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Password guessing is slowed: by user name through the API, and by address. */
@QuarkusTest
class SignInThrottleTest {

    @Test
    void aUserNameThatKeepsFailingMustWait() {
        String name = "guessed-" + UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            signIn(name, "guess " + i).then().statusCode(401);
        }
        signIn(name, "guess 5").then().statusCode(429).contentType("application/problem+json")
                .header("Retry-After", notNullValue()).body("detail", containsString("too many failed sign-ins"));
        // another name from the same place is not held up, nor is the administrator who types it right
        signIn("other-" + UUID.randomUUID(), "x").then().statusCode(401);
        signIn("admin", "test-admin-password").then().statusCode(200);
    }

    @Test
    void anAddressThatKeepsFailingMustWaitWhateverTheName() {
        SignInThrottle throttle = new SignInThrottle(5, 20);
        for (int i = 0; i < 20; i++) {
            assertThat(throttle.wait("name-" + i, "203.0.113.9")).isZero();
            throttle.failed("name-" + i, "203.0.113.9");
        }
        assertThat(throttle.wait("someone-new", "203.0.113.9")).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(throttle.wait("someone-new", "198.51.100.7")).isZero();
        // names are one whatever their case
        for (int i = 0; i < 5; i++) {
            throttle.failed("Carol", "198.51.100." + i);
        }
        assertThat(throttle.wait("carol", "198.51.100.99")).isPositive();
    }

    private static io.restassured.response.Response signIn(String username, String password) {
        return given().contentType(ContentType.JSON).body(Map.of("username", username, "password", password))
                .post("/api/auth/sign-in");
    }
}

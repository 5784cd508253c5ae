package io.switchboard.admin;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * admin-ui behind a TLS-terminating proxy, with the settings the README gives: the proxy's {@code X-Forwarded-*}
 * headers are believed from its address, so the browser's scheme (and with it the sign-in cookie's Secure flag, which
 * follows the request's scheme) and address are the browser's. Without those settings they are ignored
 * ({@link SignInTest}).
 */
@QuarkusTest
@TestProfile(BehindAProxyTest.Proxied.class)
class BehindAProxyTest {

    public static class Proxied implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.http.proxy.proxy-address-forwarding", "true",
                    "quarkus.http.proxy.allow-x-forwarded", "true",
                    "quarkus.http.proxy.enable-forwarded-host", "true",
                    "quarkus.http.proxy.trusted-proxies", "127.0.0.1");
        }
    }

    @Test
    void theBrowsersSchemeAndHostAreThoseTheProxySaw() {
        given().redirects().follow(false).accept(ContentType.HTML).header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "switchboard.example.com").header("X-Forwarded-For", "203.0.113.7")
                .get("/agents").then().statusCode(303)
                .header("Location", startsWith("https://switchboard.example.com/sign-in?then="));
    }
}

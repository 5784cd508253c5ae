package io.switchboard.runtime.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.testing.FakeOidcProvider;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Sign-in through an OpenID Connect provider, as admin-ui hands the ID token over: the runtime checks it itself
 * (signature against the provider's keys, issuer, audience, expiry) before it signs anyone in.
 */
@QuarkusTest
@QuarkusTestResource(value = OidcSignInTest.Provider.class, restrictToAnnotatedClass = true)
class OidcSignInTest {
    static FakeOidcProvider provider;

    /** The provider, up before the runtime starts, and the runtime configured for it. */
    public static class Provider implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try {
                provider = new FakeOidcProvider("switchboard");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return Map.of("switchboard.oidc.issuer", provider.issuer(), "switchboard.oidc.client-id", "switchboard");
        }

        @Override
        public void stop() {
            provider.close();
        }
    }

    private static io.restassured.response.Response signIn(String idToken) {
        return given().contentType(ContentType.JSON).body(Map.of("idToken", idToken)).post("/api/auth/oidc");
    }

    @Test
    void aPersonTheProviderVouchesForIsSignedInAndKnownAgain() {
        String name = "erin-" + UUID.randomUUID().toString().substring(0, 8);
        String token = signIn(provider.idToken(name, "switchboard")).then().statusCode(200)
                .body("token", startsWith("sb_")).extract().path("token");
        String userId = given().header("Authorization", "Bearer " + token).get("/api/me").then().statusCode(200)
                .body("subject", equalTo("user:" + name)).body("role", equalTo("viewer"))
                .body("orgId", equalTo("00000000-0000-0000-0000-000000000001")).extract().path("userId");
        String again = signIn(provider.idToken(name, "switchboard")).then().statusCode(200).extract().path("token");
        given().header("Authorization", "Bearer " + again).get("/api/me").then()
                .body("userId", equalTo(userId)).body("subject", equalTo("user:" + name));
    }

    @Test
    void aTokenTheProviderDidNotSignOrMeantForAnotherAppSignsNoOneIn() {
        signIn(provider.forgedIdToken("mallory")).then().statusCode(401).contentType("application/problem+json")
                .body("detail", containsString("not valid"));
        signIn(provider.idToken("mallory", "another-app")).then().statusCode(401);
        signIn("not.a.jwt").then().statusCode(401);
        given().contentType(ContentType.JSON).body("{}").post("/api/auth/oidc").then().statusCode(400);
    }

    @Test
    void theProvidersAdminIsNotThePlatformsAdmin() {
        String token = signIn(provider.idToken("admin", "switchboard")).then().statusCode(200).extract().path("token");
        given().header("Authorization", "Bearer " + token).get("/api/me").then().statusCode(200)
                .body("subject", startsWith("user:sso-user")).body("role", equalTo("viewer"))
                .body("platformAdmin", equalTo(false));
    }
}

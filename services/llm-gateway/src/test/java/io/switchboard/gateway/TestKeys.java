package io.switchboard.gateway;

import static io.switchboard.testing.Auth.asAdmin;

import io.restassured.http.ContentType;
import java.util.Map;

/** Virtual API keys for tests that call the front doors, made through the API like any client's. */
public final class TestKeys {
    private static String unlimited;

    private TestKeys() {
    }

    /** One unlimited key, made once per test JVM. */
    public static synchronized String unlimited() {
        if (unlimited == null) {
            unlimited = create(Map.of("name", "tests"));
        }
        return unlimited;
    }

    public static String create(Map<String, Object> body) {
        return asAdmin().contentType(ContentType.JSON).body(body).post("/api/keys").then().statusCode(201)
                .extract().path("key");
    }
}

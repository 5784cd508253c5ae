package io.switchboard.testing;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;

/**
 * Calls as the platform's administrator in tests: the services' test profile bootstraps this token (an owner of the
 * default organization, and a platform administrator), as `./switchboard up` does with {@code .switchboard/admin-token}.
 */
public final class Auth {
    public static final String ADMIN_TOKEN = "sb_test_admin_token";

    private Auth() {
    }

    public static RequestSpecification asAdmin() {
        return as(ADMIN_TOKEN);
    }

    public static RequestSpecification as(String token) {
        return RestAssured.given().header("Authorization", "Bearer " + token);
    }
}

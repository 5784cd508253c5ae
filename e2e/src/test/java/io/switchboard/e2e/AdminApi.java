package io.switchboard.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The platform's API as the platform administrator calls it (with the token the tests' platform makes). */
final class AdminApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    private final Duration timeout;

    AdminApi(HttpClient http, Duration timeout) {
        this.http = http;
        this.timeout = timeout;
    }

    /** A request as the administrator, without a timeout (an event stream stays open). */
    static HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + Platform.ADMIN_TOKEN);
    }

    /** POSTs JSON; the answer must be 201 or 202. */
    JsonNode post(String base, String path, String body) throws Exception {
        HttpResponse<String> response = http.send(request(base + path).timeout(timeout)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isIn(201, 202);
        return JSON.readTree(response.body());
    }

    /** GETs JSON; the answer must be 200. */
    JsonNode get(String base, String path) throws Exception {
        HttpResponse<String> response = http.send(request(base + path).timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}

package io.switchboard.runtime.mcp;

import static io.restassured.RestAssured.given;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The MCP server, as the official MCP Java SDK sees it: each published agent is a tool, behind a bearer token. */
@QuarkusTest
class McpServerTest {
    @TestHTTPResource("/")
    URI base;

    @Test
    void withATokenAClientListsEachPublishedAgentAsATool() {
        String id = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "Weather Bot", "model", "sim",
                "systemPrompt", "You report the weather.")).post("/api/agents").then().statusCode(201)
                .extract().path("id");
        String tool = "weather_bot_" + id.substring(0, 8);
        try (McpSyncClient client = client("sb_test_admin_token")) {
            client.initialize();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(client.listTools().tools())
                    .anySatisfy(t -> {
                        assertThat(t.name()).isEqualTo(tool);
                        assertThat(t.description()).contains("Weather Bot").contains("You report the weather.");
                        assertThat(t.inputSchema().get("required")).isEqualTo(java.util.List.of("message"));
                    }));
            // an edit publishes a new version: the tool now describes it
            asAdmin().contentType(ContentType.JSON).body(Map.of("name", "Weather Bot", "model", "sim",
                    "systemPrompt", "You forecast.")).put("/api/agents/" + id).then().statusCode(200);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(client.listTools().tools())
                    .anySatisfy(t -> assertThat(t.description()).contains("version 2").contains("You forecast.")));
        }
    }

    @Test
    void withoutAValidTokenOrFromAForeignOriginTheServerRefuses() {
        String initialize = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}";
        given().contentType(ContentType.JSON).accept("application/json, text/event-stream").body(initialize)
                .post("/mcp").then().statusCode(401).contentType("application/problem+json");
        given().header("Authorization", "Bearer wrong").contentType(ContentType.JSON).body(initialize)
                .post("/mcp").then().statusCode(401).header("WWW-Authenticate", "Bearer");
        given().header("Authorization", "Bearer sb_test_admin_token").header("Origin", "http://evil.example")
                .contentType(ContentType.JSON).body(initialize).post("/mcp").then().statusCode(403)
                .body("detail", containsString("evil.example"));
    }

    private McpSyncClient client(String token) {
        var transport = HttpClientStreamableHttpTransport.builder(base.toString()).endpoint("/mcp")
                .requestBuilder(java.net.http.HttpRequest.newBuilder().header("Authorization", "Bearer " + token))
                .build();
        return McpClient.sync(transport).requestTimeout(Duration.ofSeconds(20)).build();
    }
}

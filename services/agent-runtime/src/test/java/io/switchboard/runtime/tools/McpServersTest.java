package io.switchboard.runtime.tools;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.switchboard.api.SsrfGuard;
import io.switchboard.auth.IdentitySchema;
import io.switchboard.runtime.repository.McpServerRepository.McpServerDefinition;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client of external MCP servers (here the runtime's own) goes only where the SSRF guard looked, and carries a
 * secret only to a host the secret names.
 */
@QuarkusTest
class McpServersTest {
    /** A name no DNS knows: only the guard's resolver does. */
    private static final String PINNED = "mcp.pinned.test";

    @TestHTTPResource("/")
    URI base;

    @Inject
    Secrets secrets;

    @Inject
    ObjectMapper json;

    private McpServers servers() {
        SsrfGuard guard = new SsrfGuard(List.of(PINNED), host -> host.equals(PINNED)
                ? new InetAddress[] {InetAddress.getLoopbackAddress()} : InetAddress.getAllByName(host));
        return new McpServers(secrets, guard, json, Duration.ofSeconds(20));
    }

    private McpServerDefinition server(String name, String secret) {
        return new McpServerDefinition(IdentitySchema.DEFAULT_ORG, name, "http://" + PINNED + ":" + base.getPort()
                + "/mcp", "{\"Authorization\":\"Bearer {{secret:" + secret + "}}\"}");
    }

    @Test
    void theClientConnectsToTheAddressTheGuardChecked() {
        asAdmin().contentType(ContentType.JSON).body(Map.of("name", "pinned-helper", "model", "sim"))
                .post("/api/agents").then().statusCode(201);
        asAdmin().contentType(ContentType.JSON).body(Map.of("value", "sb_test_admin_token", "hosts", List.of(PINNED)))
                .put("/api/secrets/pinned_token").then().statusCode(204);
        McpServers mcp = servers();
        try {
            // were the client to resolve the name again itself, it would not find the host at all
            assertThat(mcp.tools(server("pinned", "pinned_token")).await().atMost(Duration.ofSeconds(30)))
                    .anySatisfy(tool -> assertThat(tool.name()).startsWith("pinned_helper_"));
        } finally {
            mcp.closeAll();
        }
    }

    @Test
    void aSecretIsNotSentToAHostItDoesNotName() {
        asAdmin().contentType(ContentType.JSON).body(Map.of("value", "sb_test_admin_token",
                "hosts", List.of("*.elsewhere.example"))).put("/api/secrets/elsewhere_token").then().statusCode(204);
        McpServers mcp = servers();
        try {
            assertThatThrownBy(() -> mcp.tools(server("elsewhere", "elsewhere_token")).await()
                    .atMost(Duration.ofSeconds(30)))
                    .isInstanceOf(Tool.Rejected.class)
                    .hasMessageContaining("may only be sent to [*.elsewhere.example], not to " + PINNED);
        } finally {
            mcp.closeAll();
        }
    }
}

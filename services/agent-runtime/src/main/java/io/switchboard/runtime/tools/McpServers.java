package io.switchboard.runtime.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.switchboard.api.SsrfGuard;
import io.switchboard.runtime.config.RuntimeConfig;
import io.switchboard.runtime.repository.McpServerRepository.McpServerDefinition;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connections to the external MCP servers operators registered (Streamable HTTP, the official MCP Java SDK), one per
 * server and definition, with its tool list kept for a minute. The SDK's client blocks: it is only called on worker
 * threads. Each server is checked by the SSRF guard (its host must be public, or trusted) before it is connected, and
 * the client then only connects to the address checked: a DNS answer that changes later cannot move it (see
 * {@link #pinned}).
 */
@ApplicationScoped
public class McpServers {
    /** How an MCP server's tool is named for agents and models: {@code <server>__<tool>}. */
    public static final String SEPARATOR = "__";
    static final Duration TOOL_LIST_AGE = Duration.ofMinutes(1);
    /** The most an MCP server's answer may be. */
    static final int MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

    private final Secrets secrets;
    private final SsrfGuard guard;
    private final ObjectMapper json;
    private final Duration timeout;
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();

    @Inject
    public McpServers(Secrets secrets, RuntimeConfig config, ObjectMapper json) {
        this(secrets, new SsrfGuard(config.tools().http().trustedHosts().orElse(List.of())), json,
                config.tools().timeout());
    }

    McpServers(Secrets secrets, SsrfGuard guard, ObjectMapper json, Duration timeout) {
        this.secrets = secrets;
        this.guard = guard;
        this.json = json;
        this.timeout = timeout;
    }

    /** A live client of one server definition, and its tools as last listed. */
    private record Connection(McpServerDefinition definition, McpSyncClient client, List<McpSchema.Tool> tools,
                              Instant listedAt) {
    }

    /** The server's tools (listed again when the last list is over a minute old). */
    public Uni<List<McpSchema.Tool>> tools(McpServerDefinition server) {
        Connection known = connections.get(key(server));
        if (known != null && known.definition().equals(server)
                && known.listedAt().isAfter(Instant.now().minus(TOOL_LIST_AGE))) {
            return Uni.createFrom().item(known.tools());
        }
        return connect(server).map(Connection::tools);
    }

    /** The server's tools as agents' tools, those of {@code wanted} (tool names without the server's prefix). */
    public Uni<List<Tool>> tools(McpServerDefinition server, List<String> wanted) {
        return tools(server).map(all -> {
            List<Tool> found = new ArrayList<>();
            for (McpSchema.Tool tool : all) {
                if (wanted.contains(tool.name())) {
                    found.add(new McpTool(server, tool, this, json));
                }
            }
            return found;
        });
    }

    /** Calls a tool of the server; a failure of the connection drops it, so the next call connects again. */
    Uni<McpSchema.CallToolResult> call(McpServerDefinition definition, McpSchema.CallToolRequest request) {
        String server = key(definition);
        Connection connection = connections.get(server);
        if (connection == null) {
            return Uni.createFrom().failure(new Tool.Rejected("MCP server " + definition.name() + " is not connected"));
        }
        return Uni.createFrom().item(() -> connection.client().callTool(request))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onFailure().invoke(e -> forget(server));
    }

    /** Closes the server's connection (its definition changed or went). */
    public void forget(UUID orgId, String name) {
        forget(orgId + "/" + name);
    }

    /** Connections are per organization: two may have servers of the same name. */
    private static String key(McpServerDefinition server) {
        return server.orgId() + "/" + server.name();
    }

    private void forget(String server) {
        Connection gone = connections.remove(server);
        if (gone != null) {
            gone.client().closeGracefully();
        }
    }

    private Uni<Connection> connect(McpServerDefinition server) {
        Map<String, String> headers;
        try {
            headers = json.readValue(server.headers(), Secrets.HEADERS);
        } catch (Exception e) {
            return Uni.createFrom().failure(new IllegalStateException("headers of MCP server " + server.name()));
        }
        URI url = URI.create(server.url());
        return secrets.fill(server.orgId(), headers, url.getHost()).flatMap(filled -> Uni.createFrom().item(() -> {
            SsrfGuard.Target target = HttpRequestTool.checked(guard, server.url(), List.of(url.getHost()));
            HttpRequest.Builder request = HttpRequest.newBuilder();
            filled.forEach(request::header);
            String base = url.getScheme() + "://" + url.getRawAuthority();
            String endpoint = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/mcp" : url.getRawPath();
            McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(base).endpoint(endpoint)
                            .requestBuilder(request).connectTimeout(Duration.ofSeconds(10))
                            .customizeClient(http -> pinned(http, target)).maxResponseSize(MAX_RESPONSE_BYTES).build())
                    .requestTimeout(timeout)
                    .clientInfo(new McpSchema.Implementation("switchboard-agent-runtime", "0.1.0"))
                    .build();
            try {
                client.initialize();
                List<McpSchema.Tool> tools = new ArrayList<>();
                String cursor = null;
                do {
                    McpSchema.ListToolsResult page = client.listTools(cursor);
                    tools.addAll(page.tools());
                    cursor = page.nextCursor();
                } while (cursor != null);
                Connection connection = new Connection(server, client, List.copyOf(tools), Instant.now());
                Connection old = connections.put(key(server), connection);
                if (old != null && old.client() != client) {
                    old.client().closeGracefully();
                }
                return connection;
            } catch (RuntimeException e) {
                client.closeGracefully();
                throw e;
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()));
    }

    /**
     * Makes the client connect to the checked address only. Java's HTTP client has no resolver to replace, so plain
     * HTTP goes through the checked address as if it were a proxy: the request line carries the full URL and the
     * Host header the name (servers must accept that form, RFC 9112 3.2.2). HTTPS needs no pin: the server must
     * prove it is the host by its certificate, which an internal address that DNS pointed at later cannot do.
     */
    private static void pinned(HttpClient.Builder http, SsrfGuard.Target target) {
        if (!target.tls()) {
            http.proxy(ProxySelector.of(new InetSocketAddress(target.address(), target.port())));
        }
    }

    @PreDestroy
    void closeAll() {
        connections.keySet().forEach(this::forget);
    }
}

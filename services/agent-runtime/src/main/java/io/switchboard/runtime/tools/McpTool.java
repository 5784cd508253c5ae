package io.switchboard.runtime.tools;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.smallrye.mutiny.Uni;
import io.switchboard.runtime.repository.McpServerRepository;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A tool of an external MCP server, as agents see it: {@code <server>__<tool>}, the server's description and input
 * schema. The step's idempotency key rides in the request's {@code _meta}, for servers that dedupe.
 */
public final class McpTool implements Tool {
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    private final McpServerRepository.McpServerDefinition server;
    private final McpSchema.Tool tool;
    private final McpServers servers;
    private final ObjectMapper json;

    McpTool(McpServerRepository.McpServerDefinition server, McpSchema.Tool tool, McpServers servers, ObjectMapper json) {
        this.server = server;
        this.tool = tool;
        this.servers = servers;
        this.json = json;
    }

    @Override
    public String name() {
        return server.name() + McpServers.SEPARATOR + tool.name();
    }

    @Override
    public String description() {
        return tool.description() == null ? tool.name() + " (from MCP server " + server.name() + ")" : tool.description();
    }

    @Override
    public Map<String, Object> parameters() {
        return json.convertValue(tool.inputSchema(), OBJECT);
    }

    @Override
    public Uni<String> call(String arguments, ToolContext context) {
        Map<String, Object> args;
        try {
            args = json.readValue(arguments, OBJECT);
        } catch (Exception e) {
            return Uni.createFrom().failure(new Rejected("arguments are not a JSON object"));
        }
        McpSchema.CallToolRequest request = McpSchema.CallToolRequest.builder().name(tool.name()).arguments(args)
                .meta(Map.of("idempotencyKey", context.idempotencyKey())).build();
        return servers.call(server, request).map(result -> {
            String text = result.content() == null ? "" : result.content().stream()
                    .map(c -> c instanceof McpSchema.TextContent t ? t.text() : "[" + c.type() + " content]")
                    .collect(Collectors.joining("\n"));
            if (text.isEmpty() && result.structuredContent() != null) {
                // a server that gives only structured content (the spec asks for a text copy too)
                text = structured(result.structuredContent());
            }
            if (Boolean.TRUE.equals(result.isError())) {
                throw new Rejected(text.isEmpty() ? "the MCP tool " + name() + " failed" : text);
            }
            return text;
        });
    }

    private String structured(Object content) {
        try {
            return json.writeValueAsString(content);
        } catch (Exception e) {
            return String.valueOf(content);
        }
    }
}

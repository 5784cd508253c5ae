package io.switchboard.runtime.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** External MCP servers operators connect ({@code runtime.mcp_servers}). */
@ApplicationScoped
public class McpServerRepository {
    private final Pool pool;

    public McpServerRepository(Pool pool) {
        this.pool = pool;
    }

    /** {@code headers} is a JSON object whose values may hold {@code {{secret:NAME}}}. */
    public record McpServerDefinition(UUID orgId, String name, String url, String headers) {
    }

    public Uni<Void> put(McpServerDefinition server) {
        return pool.preparedQuery("insert into runtime.mcp_servers (name, url, headers, org_id) values ($1, $2, $3, $4)"
                        + " on conflict (org_id, name) do update set url = excluded.url, headers = excluded.headers,"
                        + " updated_at = now()")
                .execute(Tuple.of(server.name(), server.url(), server.headers(), server.orgId())).replaceWithVoid();
    }

    public Uni<List<McpServerDefinition>> list(UUID orgId) {
        return pool.preparedQuery("select * from runtime.mcp_servers where org_id = $1 order by name")
                .execute(Tuple.of(orgId))
                .map(McpServerRepository::toServers);
    }

    /** Those of {@code names} that exist. */
    public Uni<List<McpServerDefinition>> find(UUID orgId, List<String> names) {
        return names.isEmpty() ? Uni.createFrom().item(List.of())
                : pool.preparedQuery("select * from runtime.mcp_servers where name = any($1) and org_id = $2")
                        .execute(Tuple.of(names.toArray(new String[0]), orgId)).map(McpServerRepository::toServers);
    }

    public Uni<Boolean> delete(UUID orgId, String name) {
        return pool.preparedQuery("delete from runtime.mcp_servers where name = $1 and org_id = $2")
                .execute(Tuple.of(name, orgId))
                .map(rows -> rows.rowCount() == 1);
    }

    private static List<McpServerDefinition> toServers(RowSet<Row> rows) {
        List<McpServerDefinition> servers = new ArrayList<>();
        rows.forEach(row -> servers.add(new McpServerDefinition(row.getUUID("org_id"), row.getString("name"), row.getString("url"),
                row.getString("headers"))));
        return servers;
    }
}

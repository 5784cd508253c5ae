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

/** HTTP tools operators define ({@code runtime.http_tools}). */
@ApplicationScoped
public class HttpToolRepository {
    private final Pool pool;

    public HttpToolRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * One request to a fixed URL: {@code parameters} is the arguments' JSON Schema, {@code headers} a JSON object
     * whose values may hold {@code {{secret:NAME}}}.
     */
    public record HttpToolDefinition(UUID orgId, String name, String description, String method, String url, String parameters,
                                     String headers) {
    }

    /** Defines the tool, or replaces its definition. */
    public Uni<Void> put(HttpToolDefinition tool) {
        return pool.preparedQuery("insert into runtime.http_tools (name, description, method, url, parameters, headers,"
                        + " org_id) values ($1, $2, $3, $4, $5, $6, $7) on conflict (org_id, name) do update set"
                        + " description = excluded.description, method = excluded.method, url = excluded.url,"
                        + " parameters = excluded.parameters, headers = excluded.headers, updated_at = now()")
                .execute(Tuple.from(new Object[] {tool.name(), tool.description(), tool.method(), tool.url(),
                        tool.parameters(), tool.headers(), tool.orgId()}))
                .replaceWithVoid();
    }

    public Uni<List<HttpToolDefinition>> list(UUID orgId) {
        return pool.preparedQuery("select * from runtime.http_tools where org_id = $1 order by name")
                .execute(Tuple.of(orgId)).map(HttpToolRepository::toTools);
    }

    /** The definitions of those of {@code names} that exist. */
    public Uni<List<HttpToolDefinition>> find(UUID orgId, List<String> names) {
        return names.isEmpty() ? Uni.createFrom().item(List.of())
                : pool.preparedQuery("select * from runtime.http_tools where name = any($1) and org_id = $2")
                        .execute(Tuple.of(names.toArray(new String[0]), orgId)).map(HttpToolRepository::toTools);
    }

    public Uni<Boolean> delete(UUID orgId, String name) {
        return pool.preparedQuery("delete from runtime.http_tools where name = $1 and org_id = $2")
                .execute(Tuple.of(name, orgId))
                .map(rows -> rows.rowCount() == 1);
    }

    private static List<HttpToolDefinition> toTools(RowSet<Row> rows) {
        List<HttpToolDefinition> tools = new ArrayList<>();
        rows.forEach(row -> tools.add(new HttpToolDefinition(row.getUUID("org_id"), row.getString("name"), row.getString("description"),
                row.getString("method"), row.getString("url"), row.getString("parameters"), row.getString("headers"))));
        return tools;
    }
}

package io.switchboard.runtime.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class AgentRepository {
    private final Pool pool;

    public AgentRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<Agent> insert(String name, String model, String systemPrompt, List<String> tools) {
        return pool.preparedQuery("insert into runtime.agents (id, name, model, system_prompt, tools)"
                        + " values ($1, $2, $3, $4, $5) returning *")
                .execute(Tuple.of(UUID.randomUUID(), name, model, systemPrompt, tools.toArray(new String[0])))
                .map(rows -> toAgent(rows.iterator().next()));
    }

    /** The agent, or null. */
    public Uni<Agent> find(UUID id) {
        return pool.preparedQuery("select * from runtime.agents where id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : toAgent(rows.iterator().next()));
    }

    public Uni<List<Agent>> list() {
        return pool.query("select * from runtime.agents order by created_at desc").execute()
                .map(AgentRepository::toAgents);
    }

    private static List<Agent> toAgents(RowSet<Row> rows) {
        List<Agent> agents = new ArrayList<>();
        rows.forEach(row -> agents.add(toAgent(row)));
        return agents;
    }

    static Agent toAgent(Row row) {
        return new Agent(row.getUUID("id"), row.getString("name"), row.getString("model"),
                row.getString("system_prompt"), Arrays.asList(row.getArrayOfStrings("tools")),
                row.getOffsetDateTime("created_at").toInstant());
    }
}

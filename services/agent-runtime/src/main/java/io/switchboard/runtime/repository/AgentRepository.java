package io.switchboard.runtime.repository;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.smallrye.mutiny.Uni;
import io.switchboard.contracts.llm.GenerationSettings;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** Agents and their immutable versions. */
@ApplicationScoped
public class AgentRepository {
    private static final String SELECT = "select a.id, a.org_id, a.published_version, a.latest_version, v.version, v.name,"
            + " v.model, v.system_prompt, v.tools, v.http_allowed_hosts, v.max_tool_rounds, v.max_turn_seconds,"
            + " v.max_turn_tokens, v.on_busy, v.approval_required, v.context_max_tokens, v.context_strategy,"
            + " v.sub_agents, v.generation, v.publish_gate, v.capture_content,"
            + " v.created_at from runtime.agents a"
            + " join runtime.agent_versions v on v.agent_id = a.id";

    private final Pool pool;
    /**
     * The agent version each session runs on, for its turns: a session keeps the version it was opened on, versions
     * never change and neither is ever deleted, so it is read once (sessions share their version's copy).
     */
    private final Cache<UUID, Agent> sessionAgents = Caffeine.newBuilder().maximumSize(20_000)
            .expireAfterAccess(Duration.ofMinutes(30)).build();
    private final Cache<String, Agent> versions = Caffeine.newBuilder().maximumSize(1_000)
            .expireAfterAccess(Duration.ofMinutes(30)).build();

    public AgentRepository(Pool pool) {
        this.pool = pool;
    }

    /** What makes a version. */
    public record Definition(String name, String model, String systemPrompt, List<String> tools,
                             List<String> httpAllowedHosts, Agent.Limits limits, String onBusy,
                             List<String> approvalRequired, Agent.ContextPolicy context, List<UUID> subAgents,
                             GenerationSettings generation, List<String> publishGate, boolean captureContent) {
    }

    /** A new agent of the organization, at version 1, published. */
    public Uni<Agent> insert(UUID orgId, Definition definition) {
        UUID id = UUID.randomUUID();
        return pool.withTransaction(tx -> tx.preparedQuery("insert into runtime.agents (id, org_id) values ($1, $2)")
                        .execute(Tuple.of(id, orgId))
                        .flatMap(x -> insertVersion(tx, id, 1, definition)))
                .flatMap(x -> find(id, 1));
    }

    /** A new version of the agent, published when {@code publish}; null when the organization has no such agent. */
    public Uni<Agent> addVersion(UUID orgId, UUID id, Definition definition, boolean publish) {
        return pool.withTransaction(tx -> tx.preparedQuery("update runtime.agents set latest_version ="
                                + " latest_version + 1, published_version = case when $2 then latest_version + 1"
                                + " else published_version end where id = $1 and org_id = $3 returning latest_version")
                        .execute(Tuple.of(id, publish, orgId))
                        .flatMap(rows -> {
                            if (rows.size() == 0) {
                                return Uni.createFrom().<Integer>nullItem();
                            }
                            int version = rows.iterator().next().getInteger("latest_version");
                            return insertVersion(tx, id, version, definition).replaceWith(version);
                        }))
                .flatMap(version -> version == null ? Uni.createFrom().nullItem() : find(id, version));
    }

    /** Makes {@code version} the one new sessions get; false when the organization's agent has no such version. */
    public Uni<Boolean> publish(UUID orgId, UUID id, int version) {
        return pool.preparedQuery("update runtime.agents set published_version = $2 where id = $1 and org_id = $3"
                        + " and exists (select 1 from runtime.agent_versions where agent_id = $1 and version = $2)")
                .execute(Tuple.of(id, version, orgId)).map(rows -> rows.rowCount() == 1);
    }

    /** The organization's agent at its published version, or null. */
    public Uni<Agent> find(UUID orgId, UUID id) {
        return pool.preparedQuery(SELECT + " and v.version = a.published_version where a.id = $1 and a.org_id = $2")
                .execute(Tuple.of(id, orgId)).map(AgentRepository::first);
    }

    /** The agent at {@code version}, or null. */
    public Uni<Agent> find(UUID id, int version) {
        return pool.preparedQuery(SELECT + " and v.version = $2 where a.id = $1").execute(Tuple.of(id, version))
                .map(AgentRepository::first);
    }

    /** The agent at the version the session runs on (edits of the agent apply to new sessions), or null. */
    /**
     * The agent version the session runs on, or null: as {@link #ofSession}, remembered (its published and latest
     * version numbers are those of when it was first read; a turn does not use them).
     */
    public Uni<Agent> runsOn(UUID sessionId) {
        Agent known = sessionAgents.getIfPresent(sessionId);
        return known != null ? Uni.createFrom().item(known) : ofSession(sessionId).invoke(agent -> {
            if (agent != null) {
                sessionAgents.put(sessionId, versions.get(agent.id() + "/" + agent.version(), key -> agent));
            }
        });
    }

    public Uni<Agent> ofSession(UUID sessionId) {
        return pool.preparedQuery(SELECT + " join runtime.sessions s on s.agent_id = a.id and s.agent_version = v.version"
                        + " where s.id = $1").execute(Tuple.of(sessionId)).map(AgentRepository::first);
    }

    /** Every version of the organization's agent, newest first; empty when it has no such agent. */
    public Uni<List<Agent>> versions(UUID orgId, UUID id) {
        return pool.preparedQuery(SELECT + " where a.id = $1 and a.org_id = $2 order by v.version desc")
                .execute(Tuple.of(id, orgId)).map(AgentRepository::toAgents);
    }

    /** The organization's agents at their published versions, those that exist. */
    public Uni<List<Agent>> find(UUID orgId, List<UUID> ids) {
        return ids.isEmpty() ? Uni.createFrom().item(List.of())
                : pool.preparedQuery(SELECT + " and v.version = a.published_version where a.id = any($1)"
                                + " and a.org_id = $2")
                        .execute(Tuple.of(ids.toArray(new UUID[0]), orgId)).map(AgentRepository::toAgents);
    }

    /** The organization's agents at their published versions, newest agent first. */
    public Uni<List<Agent>> list(UUID orgId) {
        return pool.preparedQuery(SELECT + " and v.version = a.published_version where a.org_id = $1"
                        + " order by a.created_at desc").execute(Tuple.of(orgId))
                .map(AgentRepository::toAgents);
    }

    /** Every organization's agents at their published versions (the MCP server offers each to its own). */
    public Uni<List<Agent>> listAll() {
        return pool.query(SELECT + " and v.version = a.published_version order by a.created_at desc").execute()
                .map(AgentRepository::toAgents);
    }

    private static Uni<Void> insertVersion(SqlClient tx, UUID id, int version, Definition d) {
        return tx.preparedQuery("insert into runtime.agent_versions (agent_id, version, name, model, system_prompt,"
                        + " tools, http_allowed_hosts, max_tool_rounds, max_turn_seconds, max_turn_tokens, on_busy,"
                        + " approval_required, context_max_tokens, context_strategy, sub_agents, generation, publish_gate,"
                        + " capture_content) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
                        + " $16, $17, $18)")
                .execute(Tuple.from(new Object[] {id, version, d.name(), d.model(), d.systemPrompt(),
                        d.tools().toArray(new String[0]), d.httpAllowedHosts().toArray(new String[0]),
                        d.limits().maxToolRounds(), d.limits().maxTurnSeconds(), d.limits().maxTurnTokens(),
                        d.onBusy(), d.approvalRequired().toArray(new String[0]), d.context().maxTokens(),
                        d.context().strategy(), d.subAgents().toArray(new UUID[0]),
                        d.generation().equals(GenerationSettings.DEFAULTS) ? null
                                : JsonObject.mapFrom(d.generation()), d.publishGate().toArray(new String[0]),
                        d.captureContent()}))
                .replaceWithVoid();
    }

    private static Agent first(RowSet<Row> rows) {
        return rows.size() == 0 ? null : toAgent(rows.iterator().next());
    }

    private static List<Agent> toAgents(RowSet<Row> rows) {
        List<Agent> agents = new ArrayList<>();
        rows.forEach(row -> agents.add(toAgent(row)));
        return agents;
    }

    static Agent toAgent(Row row) {
        return new Agent(row.getUUID("id"), row.getUUID("org_id"), row.getInteger("version"), row.getString("name"), row.getString("model"),
                row.getString("system_prompt"), Arrays.asList(row.getArrayOfStrings("tools")),
                Arrays.asList(row.getArrayOfStrings("http_allowed_hosts")),
                new Agent.Limits(row.getInteger("max_tool_rounds"), row.getInteger("max_turn_seconds"),
                        row.getInteger("max_turn_tokens")),
                row.getString("on_busy"), Arrays.asList(row.getArrayOfStrings("approval_required")),
                new Agent.ContextPolicy(row.getInteger("context_max_tokens"), row.getString("context_strategy")),
                Arrays.asList(row.getArrayOfUUIDs("sub_agents")),
                row.getJsonObject("generation") == null ? GenerationSettings.DEFAULTS
                        : row.getJsonObject("generation").mapTo(GenerationSettings.class),
                Arrays.asList(row.getArrayOfStrings("publish_gate")), row.getBoolean("capture_content"),
                row.getOffsetDateTime("created_at").toInstant(), row.getInteger("published_version"),
                row.getInteger("latest_version"));
    }
}

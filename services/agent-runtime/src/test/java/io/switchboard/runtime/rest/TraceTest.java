package io.switchboard.runtime.rest;

import static io.switchboard.testing.Auth.as;
import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.switchboard.traces.SessionTraces;
import io.switchboard.traces.SpanRetention;
import io.switchboard.traces.SpanStore;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The span store as the debugger reads it: spans of a session's turn (made through the service's own tracing SDK, so
 * through the span store's processor and its batched writes to PostgreSQL) come back from
 * {@code GET /api/sessions/{id}/trace} as one tree, tool calls with their journaled arguments and results; a running
 * turn is there before it ends; other organizations see none of it; a full buffer drops and counts; old spans go.
 */
@QuarkusTest
class TraceTest {
    @Inject
    Tracer tracer;

    @Inject
    Pool pool;

    @Inject
    Vertx vertx;

    @Inject
    SpanRetention retention;

    @Test
    void aSessionsTurnIsOneTreeWithItsModelAndToolCalls() {
        String agent = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "traced " + UUID.randomUUID(),
                        "model", "sim", "tools", List.of("clock"))).post("/api/agents").then().statusCode(201)
                .extract().path("id");
        UUID session = UUID.fromString(asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent))
                .post("/api/sessions").then().statusCode(201).extract().path("id"));
        UUID turn = UUID.randomUUID();
        // the journal holds the tool call and its result, as a runner leaves them
        pool.preparedQuery("insert into runtime.turns (id, session_id, user_text, status) values ($1, $2, 'time?',"
                + " 'waiting')").execute(Tuple.of(turn, session)).await().atMost(Duration.ofSeconds(5));
        pool.preparedQuery("insert into runtime.messages (session_id, position, turn_id, role, content, tool_calls,"
                        + " tool_call_id) values ($1, 0, $2, 'user', 'time?', null, null), ($1, 1, $2, 'assistant', '',"
                        + " '[{\"id\":\"call_1\",\"name\":\"clock\",\"arguments\":\"{}\"}]', null),"
                        + " ($1, 2, $2, 'tool', '2026-12-03T10:00:00Z', null, 'call_1')")
                .execute(Tuple.of(session, turn)).await().atMost(Duration.ofSeconds(5));

        String org = "00000000-0000-0000-0000-000000000001";
        Span turnSpan = tracer.spanBuilder("invoke_agent traced").setParent(SessionTraces.of(session))
                .setAttribute("gen_ai.operation.name", "invoke_agent")
                .setAttribute("gen_ai.conversation.id", session.toString())
                .setAttribute("switchboard.turn.id", turn.toString()).startSpan();
        Context inTurn = Context.root().with(turnSpan);
        tracer.spanBuilder("chat sim").setParent(inTurn).setAttribute("gen_ai.operation.name", "chat")
                .setAttribute("gen_ai.conversation.id", session.toString()).setAttribute("switchboard.org.id", org)
                .setAttribute("switchboard.request.id", turn + "/0").setAttribute("gen_ai.usage.input_tokens", 12L)
                .setAttribute("switchboard.turn.id", turn.toString())
                .startSpan().end();
        Span tool = tracer.spanBuilder("execute_tool clock").setParent(inTurn)
                .setAttribute("gen_ai.operation.name", "execute_tool").setAttribute("gen_ai.tool.call.id", "call_1")
                .setAttribute("gen_ai.conversation.id", session.toString()).setAttribute("switchboard.org.id", org)
                .setAttribute("switchboard.turn.id", turn.toString()).startSpan();
        tool.setStatus(StatusCode.ERROR, "tool_error");
        tool.setAttribute("error.type", "tool_error");
        tool.end();

        // while the turn runs (its own span is stored when it ends): the turn, with the spans that ended under it
        JsonPath running = await().atMost(Duration.ofSeconds(10)).until(() -> trace(session),
                t -> t.getList("turns").size() == 1 && t.getList("turns[0].children").size() == 2);
        assertThat(running.getString("traceId")).isEqualTo(SessionTraces.traceId(session));
        assertThat(running.getString("turns[0].kind")).isEqualTo("turn");
        assertThat(running.getString("turns[0].status")).isEqualTo("running");
        assertThat(running.getString("turns[0].durationMs")).isNull();

        turnSpan.setAttribute("switchboard.org.id", org);
        turnSpan.end();
        JsonPath ended = await().atMost(Duration.ofSeconds(10)).until(() -> trace(session),
                t -> "ok".equals(t.getString("turns[0].status")));
        assertThat(ended.getList("turns")).hasSize(1);
        assertThat(ended.getList("turns[0].children.kind")).containsExactly("model_call", "tool_call");
        assertThat(ended.getInt("turns[0].children[0].attributes.'gen_ai.usage.input_tokens'")).isEqualTo(12);
        assertThat(ended.getString("turns[0].children[1].status")).isEqualTo("error");
        assertThat(ended.getString("turns[0].children[1].errorType")).isEqualTo("tool_error");
        assertThat(ended.getString("turns[0].children[1].attributes.'gen_ai.tool.call.arguments'")).isEqualTo("{}");
        assertThat(ended.getString("turns[0].children[1].attributes.'gen_ai.tool.call.result'"))
                .isEqualTo("2026-12-03T10:00:00Z");
        assertThat(ended.getLong("turns[0].durationMs")).isNotNull();

        // another organization's caller does not see the trace; a span stamped with another organization is left out
        String other = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "other " + UUID.randomUUID()))
                .post("/api/orgs").then().statusCode(201).extract().path("token");
        as(other).get("/api/sessions/" + session + "/trace").then().statusCode(404);
        tracer.spanBuilder("chat planted").setParent(inTurn).setAttribute("gen_ai.operation.name", "chat")
                .setAttribute("switchboard.org.id", UUID.randomUUID().toString()).startSpan().end();
        tracer.spanBuilder("chat later").setParent(inTurn).setAttribute("gen_ai.operation.name", "chat")
                .setAttribute("switchboard.org.id", org).startSpan().end();
        JsonPath after = await().atMost(Duration.ofSeconds(10)).until(() -> trace(session),
                t -> t.getList("turns[0].children").size() == 3);
        assertThat(after.getList("turns[0].children.name")).doesNotContain("chat planted");
    }

    @Test
    void aTurnWhoseRunnerStoppedBeforeItsEndIsShownInterruptedWithWhatItDid() {
        String agent = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "stopped " + UUID.randomUUID(),
                "model", "sim")).post("/api/agents").then().statusCode(201).extract().path("id");
        UUID session = UUID.fromString(asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent))
                .post("/api/sessions").then().statusCode(201).extract().path("id"));
        UUID turn = UUID.randomUUID();
        // the turn ended, taken up by another runner; the first runner died in it, after a tool call
        pool.preparedQuery("insert into runtime.turns (id, session_id, user_text, status) values ($1, $2, 'hi',"
                + " 'completed')").execute(Tuple.of(turn, session)).await().atMost(Duration.ofSeconds(5));
        Span died = tracer.spanBuilder("invoke_agent stopped").setParent(SessionTraces.of(session))
                .setAttribute("gen_ai.operation.name", "invoke_agent").startSpan(); // never ended
        tracer.spanBuilder("execute_tool clock").setParent(Context.root().with(died))
                .setAttribute("gen_ai.operation.name", "execute_tool")
                .setAttribute("switchboard.org.id", "00000000-0000-0000-0000-000000000001")
                .setAttribute("switchboard.turn.id", turn.toString()).startSpan().end();

        JsonPath trace = await().atMost(Duration.ofSeconds(10)).until(() -> trace(session),
                t -> t.getList("turns").size() == 1);
        assertThat(trace.getString("turns[0].status")).isEqualTo("interrupted");
        assertThat(trace.getString("turns[0].durationMs")).isNull();
        assertThat(trace.getList("turns[0].children.name")).containsExactly("execute_tool clock");
    }

    @Test
    void aFullBufferDropsSpansAndCountsThemWithoutWaiting() {
        MeterRegistry meters = new SimpleMeterRegistry();
        SpanStore store = new SpanStore(true, 2, 10, Duration.ofHours(1), "test", pool, meters, vertx);
        try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(store).build()) {
            Tracer own = provider.get("test");
            for (int i = 0; i < 5; i++) {
                own.spanBuilder("execute_tool t" + i).setAttribute("gen_ai.operation.name", "execute_tool")
                        .startSpan().end();
            }
            own.spanBuilder("GET /x").startSpan().end(); // not an agent's span: not kept at all
        }
        assertThat(meters.get("switchboard.spans.dropped").counter().count()).isEqualTo(3);
        assertThat(meters.get("switchboard.spans.buffered").gauge().value()).isEqualTo(2);
        store.close();
    }

    @Test
    void spansOlderThanTheRetentionAreDeletedInBatches() {
        String trace = SessionTraces.traceId(UUID.randomUUID());
        for (int i = 0; i < 7; i++) {
            pool.preparedQuery("insert into traces.spans (trace_id, span_id, service, operation, name, started_at,"
                    + " ended_at, status, attributes) values ($1, $2, 'test', 'chat', 'old', $3, $3, 'ok', '{}')")
                    .execute(Tuple.of(trace, String.format("%016x", i + 1),
                            OffsetDateTime.now(ZoneOffset.UTC).minusDays(i < 5 ? 40 : 1)))
                    .await().atMost(Duration.ofSeconds(5));
        }
        retention.deleteBatches(OffsetDateTime.now(ZoneOffset.UTC).minusDays(30), 0).await()
                .atMost(Duration.ofSeconds(10)); // (the scheduled run may have taken some first)
        long left = pool.preparedQuery("select count(*) from traces.spans where trace_id = $1").execute(Tuple.of(trace))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
        assertThat(left).isEqualTo(2);
    }

    private static JsonPath trace(UUID session) {
        return asAdmin().get("/api/sessions/" + session + "/trace").then().statusCode(200).extract().jsonPath();
    }
}

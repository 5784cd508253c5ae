package io.switchboard.runtime.rest;

import static io.switchboard.testing.Auth.asAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.switchboard.contracts.agent.TurnStarted;
import io.switchboard.runtime.messaging.EventPublisher;
import io.switchboard.testing.Auth;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A client reconnects with {@code Last-Event-ID} to a replica that holds none of the session's events (it started
 * after them, as a restarted replica does): it gets the events when none can have been sent since, and a snapshot of
 * the session as committed when some may have been. A client that starts from the session as committed
 * ({@code ?after=}) gets a snapshot only when more was committed since.
 */
@QuarkusTest
class StreamResumeTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TestHTTPResource("/")
    URI base;

    @Inject
    Pool pool;

    @Inject
    EventPublisher events;

    @Inject
    MeterRegistry meters;

    @Inject
    ObjectMapper json;

    @Test
    void aTurnRunningElsewhereSinceTheClientsLastEventComesAsASnapshot() throws Exception {
        UUID session = session();
        UUID turn = turnRunningElsewhere(session); // the client saw up to 7
        String[] first = firstEvent(session, 7, () -> { });

        assertThat(first[0]).isEqualTo("7"); // the stream goes on after what the client has
        assertThat(first[1]).isEqualTo("snapshot");
        JsonNode snapshot = json.readTree(first[2]);
        assertThat(snapshot.get("seq").asLong()).isEqualTo(7);
        assertThat(snapshot.get("turns").get(0).get("id").asText()).isEqualTo(turn.toString());
        assertThat(snapshot.get("turns").get(0).get("status").asText()).isEqualTo("running");
    }

    @Test
    void aPageDrawnFromTheCommittedSessionGetsTheRunningTurnsNextEventsNotASnapshot() throws Exception {
        UUID session = session();
        turnRunningElsewhere(session);
        double streaming = clients();

        // ?after= is where the session as committed ends (what the chat page drew): a snapshot would draw it again
        String[] first = firstEvent(session, "?after=5", null, () -> {
            await().atMost(WAIT).until(() -> clients() > streaming);
            events.publish(TurnStarted.of(session.toString(), UUID.randomUUID().toString(), 12, "next"))
                    .await().atMost(WAIT);
        });

        assertThat(first[0]).isEqualTo("12");
        assertThat(first[1]).isEqualTo("turn_started");
    }

    @Test
    void aClientThatHasEverythingSentGetsTheNextEventsAndNoSnapshot() throws Exception {
        UUID session = session();
        pool.preparedQuery("update runtime.sessions set last_seq = 7, seq_reserved = 7 where id = $1")
                .execute(Tuple.of(session)).await().atMost(WAIT);
        double streaming = clients();

        String[] first = firstEvent(session, 7, () -> {
            // once this replica serves the stream (and has decided how), the session's next turn begins elsewhere
            await().atMost(WAIT).until(() -> clients() > streaming);
            events.publish(TurnStarted.of(session.toString(), UUID.randomUUID().toString(), 8, "hi again"))
                    .await().atMost(WAIT);
        });

        assertThat(first[0]).isEqualTo("8");
        assertThat(first[1]).isEqualTo("turn_started");
    }

    @Test
    void theReplicaIsReadyOnlyOnceItReadsTheSessionsEvents() {
        // the events consumer's partitions are assigned and positioned (EventsListening)
        await().atMost(WAIT).untilAsserted(() -> RestAssured.get("/q/health/ready").then().statusCode(200)
                .body("checks.name", hasItem("agent events")));
    }

    /**
     * Another replica's runner holds the session and is in a turn: it has sent events up to some seq in its reserved
     * block (up to 40), and nothing past 5 is committed yet. The turn's id.
     */
    private UUID turnRunningElsewhere(UUID session) {
        UUID turn = UUID.randomUUID();
        pool.withTransaction(tx -> tx.preparedQuery("insert into runtime.turns (id, session_id, user_text, status)"
                        + " values ($1, $2, 'hi', 'running')").execute(Tuple.of(turn, session))
                .flatMap(x -> tx.preparedQuery("update runtime.sessions set runner_id = 'elsewhere', lease_until ="
                        + " now() + interval '1 hour', last_seq = 5, seq_reserved = 40 where id = $1")
                        .execute(Tuple.of(session)))).await().atMost(WAIT);
        return turn;
    }

    private static UUID session() {
        String agent = asAdmin().contentType(ContentType.JSON).body(Map.of("name", "resumed " + UUID.randomUUID(),
                "model", "sim")).post("/api/agents").then().statusCode(201).extract().path("id");
        return UUID.fromString(asAdmin().contentType(ContentType.JSON).body(Map.of("agentId", agent))
                .post("/api/sessions").then().statusCode(201).extract().path("id"));
    }

    /** Streams this replica serves (its gauge is there once the first one is). */
    private double clients() {
        Gauge gauge = meters.find("switchboard.sse.clients").gauge();
        return gauge == null ? 0 : gauge.value();
    }

    /** The first event (id, name, data) of the session's stream resumed after {@code after}, once {@code then} ran. */
    private String[] firstEvent(UUID session, long after, Runnable then) throws Exception {
        return firstEvent(session, "", Long.toString(after), then);
    }

    private String[] firstEvent(UUID session, String query, String lastEventId, Runnable then) throws Exception {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve("api/sessions/" + session + "/stream" + query))
                .header("Authorization", "Bearer " + Auth.ADMIN_TOKEN);
        HttpRequest request = (lastEventId == null ? builder : builder.header("Last-Event-ID", lastEventId)).build();
        HttpResponse<Stream<String>> response = HTTP.send(request, HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        try (Stream<String> lines = response.body()) {
            CompletableFuture<String[]> first = CompletableFuture.supplyAsync(() -> {
                String[] event = new String[3];
                for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                    String line = it.next();
                    if (line.startsWith("id:")) {
                        event[0] = line.substring(3).strip();
                    } else if (line.startsWith("event:")) {
                        event[1] = line.substring(6).strip();
                    } else if (line.startsWith("data:")) {
                        event[2] = line.substring(5).strip();
                    } else if (line.isEmpty() && event[1] != null) {
                        return event;
                    }
                }
                throw new IllegalStateException("the stream ended without an event");
            });
            then.run();
            return first.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }
}

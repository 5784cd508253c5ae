package io.switchboard.admin;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.switchboard.contracts.Topics;
import io.switchboard.contracts.agent.AgentEvent;
import io.switchboard.contracts.agent.TokenDelta;
import io.switchboard.contracts.agent.TurnCompleted;
import io.switchboard.contracts.agent.TurnStarted;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** Agent events on the real broker reach the browser stream in order, and a reconnect resumes after Last-Event-ID. */
@QuarkusTest
class SessionStreamTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/sessions")
    URL sessions;

    @Test
    void eventsStreamAsSseWithTheirSeqAsIdAndResumeAfterLastEventId() throws Exception {
        String session = null;
        String turn = UUID.randomUUID().toString();
        // the consumer reads from "latest": keep publishing, each time as a new session (the consumer may have joined
        // halfway through the last batch, and a session's seqs are not read twice), until a stream shows all four
        HttpClient http = HttpClient.newHttpClient();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<String[]> seen = List.of();
            while (seen.size() < 4 && System.nanoTime() < deadline) {
                session = UUID.randomUUID().toString();
                List<AgentEvent> events = List.of(TurnStarted.of(session, turn, 1, "hi"),
                        TokenDelta.of(session, turn, 2, 0, "Hel"), TokenDelta.of(session, turn, 3, 1, "lo"),
                        TurnCompleted.of(session, turn, 4, "Hello", 1, 2));
                for (AgentEvent event : events) {
                    producer.send(new ProducerRecord<>(Topics.AGENT_EVENTS, session, JSON.writeValueAsString(event))).get();
                }
                seen = read(http, session, "?after=0", null, 4, Duration.ofSeconds(3));
            }
            assertThat(seen).extracting(e -> e[0]).containsExactly("1", "2", "3", "4");
            assertThat(seen).extracting(e -> e[1])
                    .containsExactly("turn_started", "token", "token", "turn_completed");
            assertThat(JSON.readTree(seen.get(1)[2]).get("text").asText()).isEqualTo("Hel");

            List<String[]> resumed = read(http, session, "", "2", 2, Duration.ofSeconds(10));
            assertThat(resumed).extracting(e -> e[0]).containsExactly("3", "4");
        }
    }

    @Test
    void anUnknownStreamIs404() {
        given().get("/sessions/not-a-session/stream").then().statusCode(404);
    }

    @Test
    void pagesRenderEvenWhenTheOtherServicesAreDown() {
        given().get("/agents").then().statusCode(200);
        given().get("/sessions").then().statusCode(200);
    }

    /** Reads up to {@code count} SSE events {id, event, data}; fewer if {@code timeout} passes first. */
    private List<String[]> read(HttpClient http, String session, String query, String lastEventId, int count,
                                Duration timeout) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(sessions + "/" + session + "/stream" + query));
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<java.io.InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        List<String[]> events = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body()))) {
                String id = null;
                String name = null;
                String data = null;
                String line;
                while (events.size() < count && (line = lines.readLine()) != null) {
                    if (line.startsWith("id:")) {
                        id = line.substring(3).strip();
                    } else if (line.startsWith("event:")) {
                        name = line.substring(6).strip();
                    } else if (line.startsWith("data:")) {
                        data = line.substring(5);
                    } else if (line.isEmpty() && id != null) {
                        synchronized (events) {
                            events.add(new String[] {id, name, data});
                        }
                        id = null;
                    }
                }
            } catch (Exception closed) {
                // the stream was closed by the test
            }
        });
        reader.start();
        reader.join(timeout.toMillis());
        response.body().close();
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }
}

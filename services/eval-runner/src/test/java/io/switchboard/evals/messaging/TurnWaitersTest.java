package io.switchboard.evals.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.helpers.test.UniAssertSubscriber;
import io.switchboard.contracts.Topics;
import io.switchboard.contracts.agent.TurnCompleted;
import io.switchboard.contracts.agent.TurnStarted;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * A poll's events: those of a session waited for end its turn; the rest (every other session of the platform) are
 * not parsed, so an unreadable one there costs nothing, and an unreadable one of the session is skipped.
 */
class TurnWaitersTest {
    private final AtomicInteger parsed = new AtomicInteger();
    private final ObjectMapper json = new ObjectMapper() {
        @Override
        public <T> T readValue(byte[] src, Class<T> valueType) throws IOException {
            parsed.incrementAndGet();
            return super.readValue(src, valueType);
        }
    }.findAndRegisterModules();
    private final TurnWaiters waiters = new TurnWaiters(json);
    private final List<ConsumerRecord<String, byte[]>> poll = new ArrayList<>();

    @Test
    void aPollEndsTheTurnsWaitedForAndSkipsWhatIsNotReadable() throws Exception {
        UniAssertSubscriber<TurnWaiters.TurnEnd> waited = waiters.turnEnd("s1", "t1")
                .subscribe().withSubscriber(UniAssertSubscriber.create());
        event("other", "not json at all".getBytes(StandardCharsets.UTF_8));
        event("s1", json.writeValueAsBytes(TurnStarted.of("s1", "t1", 1, "hi", 3, "sim")));
        event("s1", "{\"type\":\"turn_completed\", broken".getBytes(StandardCharsets.UTF_8));
        event("other", json.writeValueAsBytes(TurnCompleted.of("other", "t9", 2, "no", 1, 1)));
        event("s1", json.writeValueAsBytes(TurnCompleted.of("s1", "t1", 2, "hello", 1, 1)));

        waiters.onEvents(new ConsumerRecords<>(Map.of(new TopicPartition(Topics.AGENT_EVENTS, 0), poll)));

        TurnWaiters.TurnEnd end = waited.assertCompleted().getItem();
        assertThat(end.end()).isInstanceOf(TurnCompleted.class);
        assertThat(((TurnCompleted) end.end()).text()).isEqualTo("hello");
        assertThat(end.agentVersion()).isEqualTo(3);
        assertThat(end.model()).isEqualTo("sim");
        assertThat(parsed).as("events parsed: only the session's").hasValue(3);
    }

    private void event(String session, byte[] value) {
        poll.add(new ConsumerRecord<>(Topics.AGENT_EVENTS, 0, poll.size(), session, value));
    }
}

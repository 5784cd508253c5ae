package io.switchboard.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * SmallRye's errors for a record Kafka did not take are left out only on the channels named, and only when Kafka was
 * unavailable. The records are built as JBoss LogManager gets them from SmallRye's message logger: the message's
 * pattern, its parameters, and the cause as the record's thrown.
 */
class RetriedSendsLogFilterTest {
    private final RetriedSendsLogFilter filter = new RetriedSendsLogFilter("llm-requests, other");

    @Test
    void aRecordKafkaDidNotTakeOnARetriedChannelIsLeftOut() {
        assertThat(filter.isLoggable(unableToWrite("llm-requests", new TimeoutException("Expiring 1 record(s)"))))
                .isFalse();
        assertThat(filter.isLoggable(nacking("llm-requests",
                new IllegalStateException("Retries exhausted", new TimeoutException("Disconnected")))))
                .isFalse();
    }

    @Test
    void otherChannelsOtherFailuresAndOtherMessagesAreLogged() {
        assertThat(filter.isLoggable(unableToWrite("agent-events", new TimeoutException("Expiring 1 record(s)"))))
                .as("a channel whose sender does not send again").isTrue();
        assertThat(filter.isLoggable(unableToWrite("llm-requests", new RecordTooLargeException("too large"))))
                .as("a record refused for itself").isTrue();
        LogRecord other = new LogRecord(Level.SEVERE, "SRMSG18228: A failure has been reported for Kafka topics %s");
        other.setParameters(new Object[] {"llm-requests"});
        other.setThrown(new TimeoutException("timed out"));
        assertThat(filter.isLoggable(other)).isTrue();
        assertThat(filter.isLoggable(new LogRecord(Level.INFO, null))).isTrue();
    }

    private static LogRecord unableToWrite(String channel, Throwable cause) {
        LogRecord record = new LogRecord(Level.SEVERE,
                "SRMSG18206: Unable to write to Kafka from channel %s (topic: %s)");
        record.setParameters(new Object[] {channel, "llm.requests"});
        record.setThrown(cause);
        return record;
    }

    private static LogRecord nacking(String channel, Throwable cause) {
        LogRecord record = new LogRecord(Level.SEVERE,
                "SRMSG18212: Message %s from channel '%s' was not sent to Kafka topic '%s' - nacking message");
        record.setParameters(new Object[] {"Message$5@3b4ced3f", channel, "llm.requests"});
        record.setThrown(cause);
        return record;
    }
}

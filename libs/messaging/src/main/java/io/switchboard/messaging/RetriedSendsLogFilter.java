package io.switchboard.messaging;

import io.quarkus.logging.LoggingFilter;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Filter;
import java.util.logging.LogRecord;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Leaves out SmallRye's two errors for each record Kafka did not take (SRMSG18206 "unable to write", SRMSG18212
 * "nacking message") on the channels whose senders send such a record again and say so once per call themselves
 * ({@code switchboard.log.retried-channels}, comma-separated; {@code quarkus.log.console.filter=retried-kafka-sends}).
 * Three bursts of 2,000 turns through a 25 s broker outage logged 12,017 such errors. A record refused for itself
 * (too large, not serializable) is still logged.
 */
@LoggingFilter(name = RetriedSendsLogFilter.NAME)
public final class RetriedSendsLogFilter implements Filter {
    public static final String NAME = "retried-kafka-sends";
    private static final List<String> SEND_FAILURES = List.of("SRMSG18206", "SRMSG18212");

    private final List<String> channels;

    /** As Quarkus makes it, in every service that has it (so the setting may be absent: then it leaves out none). */
    public RetriedSendsLogFilter() {
        this(ConfigProvider.getConfig().getOptionalValue("switchboard.log.retried-channels", String.class).orElse(""));
    }

    RetriedSendsLogFilter(String channels) {
        this.channels = Arrays.stream(channels.split(",")).map(String::trim).filter(c -> !c.isEmpty()).toList();
    }

    @Override
    public boolean isLoggable(LogRecord record) {
        String message = record.getMessage();
        if (message == null || SEND_FAILURES.stream().noneMatch(message::startsWith)
                || !KafkaBacklog.kafkaUnavailable(record.getThrown()) || record.getParameters() == null) {
            return true;
        }
        return Arrays.stream(record.getParameters()).noneMatch(channels::contains);
    }
}

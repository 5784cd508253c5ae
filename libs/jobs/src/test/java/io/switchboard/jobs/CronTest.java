package io.switchboard.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Cron as schedules take it: Unix's five fields or six with seconds first, in a time zone; refusals say why. */
class CronTest {
    @Test
    void fiveFieldsTickInTheirTimeZone() {
        Cron weekdays = Cron.parse("0 9 * * 1-5", "Europe/Berlin");
        // Friday 2026-12-04 08:30 UTC is 09:30 in Berlin: the next tick is Monday 09:00 Berlin, 08:00 UTC
        assertThat(weekdays.next(Instant.parse("2026-12-04T08:30:00Z"))).isEqualTo("2026-12-07T08:00:00Z");
        assertThat(weekdays.next(Instant.parse("2026-12-04T07:00:00Z"), 2))
                .containsExactly(Instant.parse("2026-12-04T08:00:00Z"), Instant.parse("2026-12-07T08:00:00Z"));
    }

    @Test
    void aLeadingSecondsFieldTicksWithinTheMinute() {
        Cron everyTwoSeconds = Cron.parse("*/2 * * * * *", null);
        Instant first = everyTwoSeconds.next(Instant.parse("2026-12-04T08:30:01Z"));
        assertThat(first).isEqualTo("2026-12-04T08:30:02Z");
        assertThat(Duration.between(first, everyTwoSeconds.next(first))).hasSeconds(2);
        assertThat(everyTwoSeconds.zone().getId()).isEqualTo("UTC");
    }

    @Test
    void whatIsNotCronIsRefusedWithTheReason() {
        assertThatThrownBy(() -> Cron.parse("every day", null)).hasMessageContaining("five fields");
        assertThatThrownBy(() -> Cron.parse("61 * * * *", null)).hasMessageStartingWith("cron:");
        assertThatThrownBy(() -> Cron.parse("0 9 * * *", "Mars/Olympus")).hasMessageStartingWith("timezone:");
        assertThatThrownBy(() -> Cron.parse(" ", null)).hasMessage("cron is required");
    }
}

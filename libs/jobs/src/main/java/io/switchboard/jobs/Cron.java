package io.switchboard.jobs;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

/** A cron expression in a time zone: Unix cron's five fields, or six with seconds first. */
public final class Cron {
    private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final CronParser WITH_SECONDS =
            new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING53));

    private final String expression;
    private final ZoneId zone;
    private final ExecutionTime times;

    private Cron(String expression, ZoneId zone, ExecutionTime times) {
        this.expression = expression;
        this.zone = zone;
        this.times = times;
    }

    /** The expression in {@code timezone} (IANA, e.g. Europe/Berlin; null: UTC); refused with a reason people read. */
    public static Cron parse(String expression, String timezone) {
        ZoneId zone;
        try {
            zone = timezone == null ? ZoneId.of("UTC") : ZoneId.of(timezone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("timezone: not a time zone (e.g. Europe/Berlin, UTC)");
        }
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("cron is required");
        }
        String cron = expression.strip();
        int fields = cron.split("\\s+").length;
        if (fields != 5 && fields != 6) {
            throw new IllegalArgumentException("cron has five fields (minute hour day month weekday), or six with"
                    + " seconds first");
        }
        try {
            return new Cron(cron, zone, ExecutionTime.forCron((fields == 5 ? UNIX : WITH_SECONDS).parse(cron)
                    .validate()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cron: not a cron expression: " + e.getMessage());
        }
    }

    public String expression() {
        return expression;
    }

    public ZoneId zone() {
        return zone;
    }

    /** The first tick after {@code after}; null when there is none. */
    public Instant next(Instant after) {
        return times.nextExecution(after.atZone(zone)).map(ZonedDateTime::toInstant).orElse(null);
    }

    /** The next {@code n} ticks after {@code after}. */
    public List<Instant> next(Instant after, int n) {
        List<Instant> ticks = new ArrayList<>(n);
        for (Instant at = next(after); at != null && ticks.size() < n; at = next(at)) {
            ticks.add(at);
        }
        return ticks;
    }
}

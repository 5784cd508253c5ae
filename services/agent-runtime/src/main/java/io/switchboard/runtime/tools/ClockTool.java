package io.switchboard.runtime.tools;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/** Built-in: the current date and time in UTC. */
@ApplicationScoped
public class ClockTool implements Tool {
    private final Clock clock = Clock.systemUTC();

    @Override
    public String name() {
        return "clock";
    }

    @Override
    public String description() {
        return "Returns the current date and time in UTC, ISO-8601.";
    }

    @Override
    public Map<String, Object> parameters() {
        return Map.of("type", "object", "properties", Map.of());
    }

    @Override
    public Uni<String> call(String arguments, ToolContext context) {
        return Uni.createFrom().item(() -> Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
    }
}

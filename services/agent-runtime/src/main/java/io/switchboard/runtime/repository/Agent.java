package io.switchboard.runtime.repository;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A row of {@code runtime.agents}. */
public record Agent(UUID id, String name, String model, String systemPrompt, List<String> tools, Instant createdAt) {
}

package io.switchboard.jobs;

import java.time.Instant;

/**
 * One job as it runs: its kind, its key (unique within the kind), its data, when it was due, and which attempt this is
 * (1 for the first).
 */
public record Job<T>(String kind, String key, T data, Instant dueAt, int attempt) {
}

package io.switchboard.runtime;

import java.util.UUID;

/** Ids as Kafka records and MCP clients carry them: strings, which may be missing or not ids at all. */
public final class Uuids {
    private Uuids() {
    }

    /** The id, or null when {@code id} is null or not a UUID. */
    public static UUID orNull(String id) {
        try {
            return id == null ? null : UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

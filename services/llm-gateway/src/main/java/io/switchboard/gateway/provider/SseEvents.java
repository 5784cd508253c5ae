package io.switchboard.gateway.provider;

import io.smallrye.mutiny.Multi;
import java.util.ArrayList;
import java.util.List;

/** Server-Sent Events from lines: {@code event:} and {@code data:} fields, an event per blank line, comments dropped. */
public final class SseEvents {

    /** One event; {@code name} is null when the stream sent no {@code event:} line. */
    public record Event(String name, String data) {
    }

    private SseEvents() {
    }

    public static Multi<Event> of(Multi<String> lines) {
        return Multi.createFrom().deferred(() -> {
            Assembler assembler = new Assembler();
            return lines.onItem().transformToIterable(assembler::accept)
                    .onCompletion().switchTo(() -> Multi.createFrom().iterable(assembler.flush()));
        });
    }

    /** Collects fields until a blank line ends the event. */
    static final class Assembler {
        private String name;
        private StringBuilder data;

        List<Event> accept(String line) {
            if (line.isEmpty()) {
                return flush();
            }
            if (line.startsWith(":")) {
                return List.of();
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            if (field.equals("event")) {
                name = value;
            } else if (field.equals("data")) {
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
            return List.of();
        }

        List<Event> flush() {
            List<Event> out = new ArrayList<>(1);
            if (data != null) {
                out.add(new Event(name, data.toString()));
            }
            name = null;
            data = null;
            return out;
        }
    }
}

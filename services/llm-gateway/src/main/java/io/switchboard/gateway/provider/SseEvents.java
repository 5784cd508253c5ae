package io.switchboard.gateway.provider;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/** Server-Sent Events from lines: {@code event:} and {@code data:} fields, an event per blank line, comments dropped. */
public final class SseEvents {

    /** One event; {@code name} is null when the stream sent no {@code event:} line. */
    public record Event(String name, String data) {
    }

    private SseEvents() {
    }

    /** A decoder that gives each whole event to {@code onEvent}, and the end of the body to {@code onEnd}. */
    public static LineDecoder decoder(Function<Event, List<ProviderEvent>> onEvent,
                                      Supplier<List<ProviderEvent>> onEnd) {
        Assembler assembler = new Assembler();
        return new LineDecoder() {
            @Override
            public List<ProviderEvent> line(String line) {
                Event event = assembler.accept(line);
                return event == null ? List.of() : onEvent.apply(event);
            }

            @Override
            public List<ProviderEvent> end() {
                Event last = assembler.flush(); // a last event without its blank line still counts
                if (last == null) {
                    return onEnd.get();
                }
                List<ProviderEvent> events = new ArrayList<>(onEvent.apply(last));
                events.addAll(onEnd.get());
                return events;
            }
        };
    }

    /** Collects fields until a blank line ends the event. */
    static final class Assembler {
        private String name;
        private StringBuilder data;

        /** The event this line ends, or null. */
        Event accept(String line) {
            if (line.isEmpty()) {
                return flush();
            }
            if (line.charAt(0) == ':') {
                return null;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            int value = colon < 0 ? line.length() : colon + 1;
            if (value < line.length() && line.charAt(value) == ' ') {
                value++;
            }
            if (field.equals("event")) {
                name = line.substring(value);
            } else if (field.equals("data")) {
                data = data == null ? new StringBuilder(line.length() - value).append(line, value, line.length())
                        : data.append('\n').append(line, value, line.length());
            }
            return null;
        }

        /** The event collected so far, or null when it has no data. */
        Event flush() {
            Event event = data == null ? null : new Event(name, data.toString());
            name = null;
            data = null;
            return event;
        }
    }
}

package io.switchboard.gateway.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * However the network cuts a body (inside a line, between {@code \r} and {@code \n}, inside a multi-byte character),
 * the lines, and the events read from them, are the same.
 */
class LineSplitterTest {

    @Test
    void linesDoNotDependOnWhereTheBodyIsCut() throws IOException {
        byte[] body = ("data: {\"content\":\"ünïcode \uD83D\uDE00 \u4F60\u597D\"}\r\n\r\n: keep-alive\n\n"
                + "event: x\ndata: a\ndata: b\n\n" + recorded("openai", "tools")).getBytes(StandardCharsets.UTF_8);
        List<String> whole = split(body, List.of(body.length));
        assertThat(whole).startsWith("data: {\"content\":\"ünïcode \uD83D\uDE00 \u4F60\u597D\"}", "", ": keep-alive");
        assertThat(whole).noneMatch(line -> line.contains("\r") || line.contains("\n"));
        Random random = new Random(7);
        for (int n = 0; n < 2000; n++) {
            List<Integer> cuts = new ArrayList<>();
            for (int left = body.length; left > 0; ) {
                int size = Math.min(left, 1 + random.nextInt(n % 2 == 0 ? 8 : 300));
                cuts.add(size);
                left -= size;
            }
            assertThat(split(body, cuts)).isEqualTo(whole);
        }
    }

    @Test
    void eventsDoNotDependOnWhereTheBodyIsCut() throws IOException {
        byte[] body = recorded("openai", "tools").getBytes(StandardCharsets.UTF_8);
        List<ProviderEvent> whole = events(body, body.length);
        assertThat(whole).anyMatch(e -> e instanceof ProviderEvent.ToolCall);
        assertThat(whole).last().isInstanceOf(ProviderEvent.Finish.class);
        for (int size = 1; size < 64; size++) {
            assertThat(events(body, size)).isEqualTo(whole);
        }
    }

    @Test
    void aLastLineWithoutItsBreakIsKept() {
        assertThat(split("{\"done\":true}\n{\"done\":false}".getBytes(StandardCharsets.UTF_8), List.of(5, 23)))
                .containsExactly("{\"done\":true}", "{\"done\":false}");
    }

    @Test
    void aLineLongerThanTheLimitFailsTheCall() {
        LineSplitter splitter = new LineSplitter(16);
        splitter.feed("0123456789\n".getBytes(StandardCharsets.UTF_8), line -> { });
        splitter.feed("0123456789".getBytes(StandardCharsets.UTF_8), line -> { });
        assertThatThrownBy(() -> splitter.feed("0123456789".getBytes(StandardCharsets.UTF_8), line -> { }))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.kind()).isEqualTo(ProviderException.Kind.STREAM_INTERRUPTED));
    }

    private static List<String> split(byte[] body, List<Integer> cuts) {
        LineSplitter splitter = new LineSplitter(1 << 20);
        List<String> lines = new ArrayList<>();
        int at = 0;
        for (int size : cuts) {
            splitter.feed(Arrays.copyOfRange(body, at, at + size), lines::add);
            at += size;
        }
        String rest = splitter.rest();
        if (rest != null) {
            lines.add(rest);
        }
        return lines;
    }

    /** The events the OpenAI adapter's decoder reads from {@code body} cut into pieces of {@code size} bytes. */
    private static List<ProviderEvent> events(byte[] body, int size) {
        LineDecoder decoder = io.switchboard.gateway.provider.openai.OpenAiProvider.decoder(false);
        LineSplitter splitter = new LineSplitter(1 << 20);
        List<ProviderEvent> events = new ArrayList<>();
        for (int at = 0; at < body.length; at += size) {
            splitter.feed(Arrays.copyOfRange(body, at, Math.min(body.length, at + size)),
                    line -> events.addAll(decoder.line(line)));
        }
        String rest = splitter.rest();
        if (rest != null) {
            events.addAll(decoder.line(rest));
        }
        events.addAll(decoder.end());
        return events;
    }

    /** The body of a recorded exchange (after its status line and headers). */
    static String recorded(String vendor, String exchange) throws IOException {
        try (InputStream in = LineSplitterTest.class.getResourceAsStream("/wire/" + vendor + "/" + exchange + ".http")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.substring(text.indexOf("\n\n") + 2);
        }
    }
}

package io.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.LineDecoder;
import io.switchboard.gateway.provider.ProviderException;
import io.switchboard.gateway.provider.openai.OpenAiProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bytes the OpenAI front door writes, exactly: SDKs and proxies parse them, so a faster writer must not change
 * one of them (written down from the tree-based writer before it was replaced).
 */
class OpenAiWireTest {
    private static final List<ProviderEvent> ANSWER = List.of(
            new ProviderEvent.ReasoningDelta("Thinking \"hard\"…"),
            new ProviderEvent.TextDelta("Hello, ünïcode \uD83D\uDE00 and \\ / \n\t\u0001 control"),
            new ProviderEvent.ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"),
            new ProviderEvent.ToolCall("call_2", "get_time", "{}"),
            new ProviderEvent.Usage(12, 6, 2),
            new ProviderEvent.Finish("tool_calls"));

    private static String stream(boolean includeUsage) {
        // no chunks as sent: written by the gateway however it is set
        return played(new OpenAiFrontDoor.Format("chatcmpl-1", "my-\"model\"", 1764230400L, includeUsage, true),
                ANSWER);
    }

    private static String golden(String name) throws IOException {
        try (InputStream in = OpenAiWireTest.class.getResourceAsStream("/wire/front-door/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aStreamIsWrittenByteForByte() throws IOException {
        assertThat(stream(false)).isEqualTo(golden("openai-stream.txt"));
        assertThat(stream(true)).isEqualTo(golden("openai-stream-with-usage.txt"));
    }

    @Test
    void aCompletionIsWrittenByteForByte() throws IOException {
        OpenAiFrontDoor.Format format = new OpenAiFrontDoor.Format("chatcmpl-1", "m", 1764230400L, false, true);
        assertThat(format.document(ANSWER)).isEqualTo(golden("openai-completion-tools.json"));
        assertThat(format.document(List.of(new ProviderEvent.TextDelta("Hi"))))
                .isEqualTo(golden("openai-completion-text.json"));
    }

    @Test
    void anErrorAfterTheStreamStartedIsAnEventOfItsOwn() throws IOException {
        OpenAiFrontDoor.Format format = new OpenAiFrontDoor.Format("chatcmpl-1", "m", 1764230400L, false, true);
        assertThat(format.inBandError(new ProviderException(ProviderException.Kind.SERVER_ERROR, "boom \"x\"")))
                .isEqualTo(golden("openai-in-band-error.txt"));
    }

    @Test
    void onlyTheFirstChunkSaysWhoSpeaks() {
        OpenAiFrontDoor.Format format = new OpenAiFrontDoor.Format("c", "m", 1L, false, true);
        assertThat(format.frame(new ProviderEvent.TextDelta("a"))).contains("\"delta\":{\"role\":\"assistant\",\"content\":\"a\"}");
        assertThat(format.frame(new ProviderEvent.TextDelta("b"))).contains("\"delta\":{\"content\":\"b\"}");
        assertThat(format.frame(new ProviderEvent.Usage(1, 2, 0))).isNull(); // only at the end, when asked for
        assertThat(format.closing()).isEqualTo("data: [DONE]\n\n");
    }

    /** A recorded body's events, as the OpenAI adapter reads them. */
    private static List<ProviderEvent> read(String body) {
        LineDecoder decoder = OpenAiProvider.decoder(true);
        List<ProviderEvent> events = new ArrayList<>();
        for (String line : body.split("\n", -1)) {
            events.addAll(decoder.line(line));
        }
        events.addAll(decoder.end());
        return events;
    }

    private static String played(OpenAiFrontDoor.Format format, List<ProviderEvent> events) {
        StringBuilder out = new StringBuilder(format.opening());
        for (ProviderEvent event : events) {
            String frame = format.frame(event);
            if (frame != null) {
                out.append(frame);
            }
        }
        return out.append(format.closing()).toString();
    }

    /** A recorded answer of OpenAI's (tool-call fragments, usage), its body without the HTTP head. */
    private static String recorded(String name) throws IOException {
        try (InputStream in = OpenAiWireTest.class.getResourceAsStream("/wire/openai/" + name)) {
            String http = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return http.substring(http.indexOf("\n\n") + 2);
        }
    }

    @Test
    void anOpenAiDeploymentsChunksPassAsTheyWereSentLessTheUsageNotAskedFor() throws IOException {
        String body = recorded("tools.http");
        String usageChunk = body.lines().filter(line -> line.contains("\"choices\":[]")).findFirst().orElseThrow()
                + "\n\n";
        assertThat(played(new OpenAiFrontDoor.Format("chatcmpl-1", "m", 1L, true, true), read(body)))
                .isEqualTo(body);
        assertThat(played(new OpenAiFrontDoor.Format("chatcmpl-1", "m", 1L, false, true), read(body)))
                .isEqualTo(body.replace(usageChunk, ""));
    }

    @Test
    void withPassingThroughOffTheGatewayWritesEveryChunk() throws IOException {
        String written = played(new OpenAiFrontDoor.Format("chatcmpl-1", "m", 1L, true, false),
                read(recorded("tools.http")));
        assertThat(written).doesNotContain("chatcmpl-AbC2").doesNotContain("gpt-4o-mini-2024-07-18")
                .startsWith("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                        + "\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":"
                        + "[{\"index\":0,\"id\":\"call_Wx1\"")
                .contains("\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":6").endsWith("data: [DONE]\n\n");
    }

    @Test
    void aChunkPassesOnAsOneDataLineWhateverLineBreaksItHad() {
        // a chunk on two data lines, or with a bare \r (an SSE line break to clients, not to the gateway's reader)
        List<ProviderEvent> events = read("data: {\"id\":\"x\",\n"
                + "data: \"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\r\r\n\n"
                + "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        assertThat(played(new OpenAiFrontDoor.Format("c", "m", 1L, false, true), events)).isEqualTo(
                "data: {\"id\":\"x\", \"choices\":[{\"delta\":{\"content\":\"hi\"}}]}  \n\n"
                        + "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                        + "data: [DONE]\n\n");
    }

    @Test
    void aChunkOfMoreThanOneJsonValueIsNotPassedOn() {
        assertThatThrownBy(() -> read("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]} {\"x\":1}\n\n"))
                .isInstanceOf(ProviderException.class).hasMessageContaining("more than one JSON value");
        // an event a client would see after a bare \r: not JSON to the gateway, so the stream fails
        assertThatThrownBy(() -> read("data: {\"choices\":[]}\r\rdata: {\"choices\":[]}\n\n"))
                .isInstanceOf(ProviderException.class);
    }
}

package io.switchboard.gateway.frontdoor;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
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
        OpenAiFrontDoor.Format format = new OpenAiFrontDoor.Format("chatcmpl-1", "my-\"model\"", 1764230400L,
                includeUsage);
        StringBuilder out = new StringBuilder(format.opening());
        for (ProviderEvent event : ANSWER) {
            String frame = format.frame(event);
            if (frame != null) {
                out.append(frame);
            }
        }
        return out.append(format.closing()).toString();
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
        OpenAiFrontDoor.Format format = new OpenAiFrontDoor.Format("chatcmpl-1", "m", 1764230400L, false);
        assertThat(format.document(ANSWER)).isEqualTo(golden("openai-completion-tools.json"));
        assertThat(format.document(List.of(new ProviderEvent.TextDelta("Hi"))))
                .isEqualTo(golden("openai-completion-text.json"));
    }

    @Test
    void anErrorAfterTheStreamStartedIsAnEventOfItsOwn() throws IOException {
        OpenAiFrontDoor.Format format = new OpenAiFrontDoor.Format("chatcmpl-1", "m", 1764230400L, false);
        assertThat(format.inBandError(new ProviderException(ProviderException.Kind.SERVER_ERROR, "boom \"x\"")))
                .isEqualTo(golden("openai-in-band-error.txt"));
    }

    @Test
    void onlyTheFirstChunkSaysWhoSpeaks() {
        OpenAiFrontDoor.Format format = new OpenAiFrontDoor.Format("c", "m", 1L, false);
        assertThat(format.frame(new ProviderEvent.TextDelta("a"))).contains("\"delta\":{\"role\":\"assistant\",\"content\":\"a\"}");
        assertThat(format.frame(new ProviderEvent.TextDelta("b"))).contains("\"delta\":{\"content\":\"b\"}");
        assertThat(format.frame(new ProviderEvent.Usage(1, 2, 0))).isNull(); // only at the end, when asked for
        assertThat(format.closing()).isEqualTo("data: [DONE]\n\n");
    }
}

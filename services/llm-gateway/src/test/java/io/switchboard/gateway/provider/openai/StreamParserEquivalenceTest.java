package io.switchboard.gateway.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The streaming chunk parser gives exactly what the tree-reading one gave: for the recorded vendor streams and for
 * thousands of generated ones (fields in any order, nulls, extra fields, several choices, tool calls in fragments,
 * usage before or after the choices, broken JSON, in-band errors); and so it does when it also gives each chunk as it
 * came ({@link ProviderEvent.Verbatim}), which the tree-reading one did not.
 */
class StreamParserEquivalenceTest {

    @Test
    void recordedStreamsReadTheSame() throws IOException {
        for (String vendor : List.of("openai", "openai-compatible")) {
            for (String exchange : List.of("plain", "tools", "reasoning", "error-mid-stream", "cut", "drip")) {
                List<String> data = recordedData(vendor, exchange);
                if (data == null) {
                    continue;
                }
                assertThat(outcome(data, false)).as(vendor + "/" + exchange).isEqualTo(outcome(data, true))
                        .isEqualTo(outcome(data, true, true));
            }
        }
    }

    @Test
    void generatedStreamsReadTheSame() {
        Random random = new Random(42);
        for (int n = 0; n < 5000; n++) {
            List<String> stream = new ArrayList<>();
            int chunks = 1 + random.nextInt(8);
            for (int i = 0; i < chunks; i++) {
                stream.add(chunk(random));
            }
            if (random.nextInt(4) > 0) {
                stream.add("[DONE]");
            }
            assertThat(outcome(stream, false)).as(String.join("\n", stream)).isEqualTo(outcome(stream, true))
                    .isEqualTo(outcome(stream, true, true));
        }
    }

    private static List<String> outcome(List<String> data, boolean streaming) {
        return outcome(data, streaming, false);
    }

    /**
     * The events, or the failure, a parser makes of a stream's data payloads (and its end); {@code asSent}: less the
     * chunks as sent, which must be every JSON object payload of a stream that did not fail, in order.
     */
    private static List<String> outcome(List<String> data, boolean streaming, boolean asSent) {
        Function<String, List<ProviderEvent>> accept;
        Supplier<List<ProviderEvent>> end;
        if (streaming) {
            OpenAiStreamParser parser = new OpenAiStreamParser(asSent);
            accept = parser::accept;
            end = parser::end;
        } else {
            TreeStreamParser parser = new TreeStreamParser();
            accept = parser::accept;
            end = parser::end;
        }
        List<String> out = new ArrayList<>();
        List<String> sent = new ArrayList<>();
        Consumer<ProviderEvent> take = e -> {
            if (e instanceof ProviderEvent.Verbatim chunk) {
                sent.add(chunk.data());
            } else {
                out.add(e.toString());
            }
        };
        try {
            for (String payload : data) {
                accept.apply(payload).forEach(take);
            }
            end.get().forEach(take);
        } catch (ProviderException e) {
            out.add("failed " + e.kind() + ": " + e.getMessage().replaceAll(" at \\[Source.*", ""));
            return out;
        }
        assertThat(sent).isEqualTo(asSent ? data.stream().filter(d -> d.startsWith("{")).toList() : List.of());
        return out;
    }

    @Test
    void chunksAsSentWaitForTheFirstThatGivesAnEventAndSayWhetherTheyCarryOnlyUsage() {
        OpenAiStreamParser parser = new OpenAiStreamParser(true);
        String role = "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}";
        String hi = "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}";
        String stop = "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}";
        assertThat(parser.accept(role)).isEmpty();
        assertThat(parser.accept(hi)).containsExactly(new ProviderEvent.Verbatim(role, false),
                new ProviderEvent.Verbatim(hi, false), new ProviderEvent.TextDelta("Hi"));
        assertThat(parser.accept(stop)).containsExactly(new ProviderEvent.Verbatim(stop, false)); // nothing waits now
        for (String usage : List.of("\"choices\":[],", "\"choices\":null,", "")) {
            String chunk = "{" + usage + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}";
            assertThat(parser.accept(chunk)).as(chunk).contains(new ProviderEvent.Verbatim(chunk, true))
                    .endsWith(new ProviderEvent.Usage(3, 1, 0));
        }
        assertThat(parser.end()).containsExactly(new ProviderEvent.Finish("stop"));
        // a chunk with a choice and usage too is not one of usage only
        String both = "{\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":{\"prompt_tokens\":1}}";
        assertThat(new OpenAiStreamParser(true).accept(both)).first()
                .isEqualTo(new ProviderEvent.Verbatim(both, false));
    }

    @Test
    void chunksThatGiveNoEventWaitOnlyUpToALimit() {
        OpenAiStreamParser parser = new OpenAiStreamParser(true);
        String fragment = "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\""
                + "x".repeat(1000) + "\"}}]}}]}";
        int chunks = 0;
        List<ProviderEvent> out;
        do {
            out = parser.accept(fragment);
            chunks++;
        } while (out.isEmpty());
        assertThat((long) chunks * fragment.length()).isGreaterThan(OpenAiStreamParser.MAX_HELD_CHARS);
        assertThat(out).hasSize(chunks).containsOnly(new ProviderEvent.Verbatim(fragment, false));
        assertThat(parser.accept(fragment)).containsExactly(new ProviderEvent.Verbatim(fragment, false));
    }

    private static List<String> recordedData(String vendor, String exchange) throws IOException {
        try (InputStream in = StreamParserEquivalenceTest.class.getResourceAsStream(
                "/wire/" + vendor + "/" + exchange + ".http")) {
            if (in == null) {
                return null;
            }
            List<String> data = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("data: ")) {
                    data.add(line.substring(6).strip());
                }
            }
            return data;
        }
    }

    private static final String[] TEXTS = {"Hello", "", "ünïcode \uD83D\uDE00", "quote \" and \\\\ back", "line\\nbreak"};

    private static String chunk(Random random) {
        if (random.nextInt(40) == 0) {
            return random.nextBoolean() ? "{\"choices\":[{\"delta\":{\"content\":\"cut" : "not json";
        }
        if (random.nextInt(40) == 0) {
            return "{\"error\":{\"type\":\"" + (random.nextBoolean() ? "rate_limit_error" : "server_error")
                    + "\",\"message\":\"busy\",\"code\":null}}";
        }
        List<String> fields = new ArrayList<>();
        fields.add("\"id\":\"chatcmpl-x\"");
        fields.add("\"object\":\"chat.completion.chunk\"");
        fields.add("\"created\":1764230400");
        if (random.nextBoolean()) {
            fields.add("\"system_fingerprint\":" + (random.nextBoolean() ? "null" : "\"fp_1\""));
        }
        int choiceKind = random.nextInt(6);
        if (choiceKind == 0) {
            fields.add("\"choices\":[]");
        } else if (choiceKind == 1) {
            fields.add("\"choices\":null");
        } else if (choiceKind > 1) {
            StringBuilder choices = new StringBuilder("\"choices\":[").append(choice(random));
            if (random.nextInt(5) == 0) {
                choices.append(',').append(choice(random));
            }
            fields.add(choices.append(']').toString());
        }
        int usageKind = random.nextInt(5);
        if (usageKind == 0) {
            fields.add("\"usage\":null");
        } else if (usageKind == 1) {
            fields.add("\"usage\":{\"prompt_tokens\":" + random.nextInt(100) + ",\"completion_tokens\":"
                    + random.nextInt(100) + ",\"total_tokens\":7" + (random.nextBoolean()
                    ? ",\"prompt_tokens_details\":{\"cached_tokens\":" + random.nextInt(50) + ",\"audio_tokens\":0}"
                    : random.nextBoolean() ? ",\"prompt_tokens_details\":null" : "") + "}");
        }
        Collections.shuffle(fields, random);
        return "{" + String.join(",", fields) + "}";
    }

    private static String choice(Random random) {
        List<String> fields = new ArrayList<>();
        fields.add("\"index\":0");
        List<String> delta = new ArrayList<>();
        if (random.nextInt(4) == 0) {
            delta.add("\"role\":\"assistant\"");
        }
        if (random.nextBoolean()) {
            delta.add("\"content\":" + value(random));
        }
        if (random.nextInt(4) == 0) {
            delta.add("\"reasoning_content\":" + value(random));
        }
        if (random.nextInt(4) == 0) {
            delta.add("\"reasoning\":" + value(random));
        }
        if (random.nextInt(8) == 0) {
            delta.add("\"refusal\":null");
        }
        if (random.nextInt(3) == 0) {
            List<String> fragments = new ArrayList<>();
            for (int i = 0; i < 1 + random.nextInt(3); i++) {
                List<String> fragment = new ArrayList<>();
                fragment.add("\"index\":" + random.nextInt(3));
                if (random.nextBoolean()) {
                    fragment.add("\"id\":\"call_" + random.nextInt(9) + "\"");
                    fragment.add("\"type\":\"function\"");
                }
                List<String> function = new ArrayList<>();
                if (random.nextBoolean()) {
                    function.add("\"name\":\"tool_" + random.nextInt(3) + "\"");
                }
                if (random.nextBoolean()) {
                    function.add("\"arguments\":\"{\\\"a\\\":" + random.nextInt(9) + "\"");
                }
                Collections.shuffle(function, random);
                fragment.add("\"function\":{" + String.join(",", function) + "}");
                Collections.shuffle(fragment, random);
                fragments.add("{" + String.join(",", fragment) + "}");
            }
            delta.add("\"tool_calls\":[" + String.join(",", fragments) + "]");
        }
        Collections.shuffle(delta, random);
        int deltaKind = random.nextInt(10);
        if (deltaKind > 0) {
            fields.add("\"delta\":{" + String.join(",", delta) + "}");
        } else if (random.nextBoolean()) {
            fields.add("\"delta\":null");
        }
        if (random.nextBoolean()) {
            fields.add("\"logprobs\":" + (random.nextBoolean() ? "null" : "{\"content\":[{\"token\":\"x\"}]}"));
        }
        int finish = random.nextInt(6);
        fields.add("\"finish_reason\":" + (finish == 0 ? "\"stop\"" : finish == 1 ? "\"tool_calls\"" : "null"));
        Collections.shuffle(fields, random);
        return "{" + String.join(",", fields) + "}";
    }

    private static String value(Random random) {
        int kind = random.nextInt(10);
        return kind == 0 ? "null" : kind == 1 ? "{\"x\":[1,2]}" : "\"" + TEXTS[random.nextInt(TEXTS.length)] + "\"";
    }
}

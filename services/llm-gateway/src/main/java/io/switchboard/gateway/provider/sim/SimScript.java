package io.switchboard.gateway.provider.sim;

import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolSpec;
import io.switchboard.gateway.provider.Json;
import io.switchboard.gateway.provider.ProviderEvent;
import io.switchboard.gateway.provider.ProviderException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The offline model's script: a pure, deterministic function from a request to its reply chunks.
 * <ul>
 *   <li>the last message is a tool result that says {@code CALL <tool> <json arguments>}: it obeys, and calls that
 *       tool (offered or not): a gullible model, for showing that injected instructions cannot reach past the
 *       agent's tools and guards;</li>
 *   <li>the last message is a tool result: it answers with that result;</li>
 *   <li>the user's message contains {@code [fail:429]}, {@code [fail:500]} or {@code [fail:cut]}: it fails as rate
 *       limited, with a provider error, or half-way through its answer;</li>
 *   <li>the message mentions the time or the clock and the {@code clock} tool is offered: it calls the tool;</li>
 *   <li>the message says {@code calculate <expression>} and the {@code calculator} tool is offered: it calls the tool
 *       with that expression;</li>
 *   <li>the message says {@code fetch <url>} and the {@code http_request} tool is offered: it calls the tool with that
 *       URL;</li>
 *   <li>the message starts with {@code ask <tool>: <text>} and that tool is offered (another agent, as a sub-agent): it
 *       calls it with {@code {"message": <text>}};</li>
 *   <li>otherwise it answers by quoting the message.</li>
 * </ul>
 * A user message with {@code [same-ids]} in it makes every tool call of the conversation {@code call_0}, as Ollama's
 * are each round (for showing that the runtime never lets a model's call ids decide anything).
 * A user message with {@code [slow]} in it makes every reply of that conversation stream ten times slower (for demos
 * and tests that need to act while an answer is being streamed).
 * Of the generation settings it heeds two: an answer stops at {@code maxOutputTokens} (finishing with {@code length}),
 * and with tool choice {@code none} it calls no tool.
 * A token is a word with the whitespace before it; usage counts the words of the prompt and the answer.
 * <p>
 * Asked with eval-runner's fixed prompts, it plays their parts deterministically, so evals need no API key:
 * <ul>
 *   <li>as a judge ({@code switchboard-judge-1}): the score is the share of the rubric's quoted phrases ("..." or
 *       “...”) that appear in the answer, ignoring case; a rubric that quotes nothing scores 1 for any
 *       answer that is not empty. A rubric with {@code [unparseable]} in it gets an answer that is not JSON;</li>
 *   <li>as a simulated user ({@code switchboard-user-1}): it says the goal's quoted phrases one per turn, in order
 *       (the goal itself when it quotes nothing), then {@code <done/>}.</li>
 * </ul>
 */
public final class SimScript {
    private static final Pattern WORD = Pattern.compile("\\s*\\S+");
    private static final Pattern ASKS_FOR_TIME = Pattern.compile("\\b(time|clock)\\b");
    private static final Pattern CALCULATE = Pattern.compile("\\bcalculate\\s+(.+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern FETCH = Pattern.compile("\\bfetch\\s+(\\S+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern ASK = Pattern.compile("^\\s*ask\\s+([A-Za-z0-9_-]+):\\s*(.+)$", Pattern.DOTALL);
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]+)\"|\u201c([^\u201d]+)\u201d");
    private static final Pattern INJECTED_CALL = Pattern.compile("CALL\\s+([A-Za-z0-9_-]+)\\s+(\\{.*?\\})(?=\\s|$)");

    private SimScript() {
    }

    /** What sim does for a request: events to stream, then (when it fails) the failure. */
    public record Reply(List<ProviderEvent> events, ProviderException failure) {
    }

    /** Whether the conversation asked for slow replies ({@code [slow]} in a user message). */
    public static boolean slow(LlmRequest request) {
        return request.messages().stream().anyMatch(m -> m.role().equals("user") && m.content() != null
                && m.content().toLowerCase(Locale.ROOT).contains("[slow]"));
    }

    public static Reply reply(LlmRequest request) {
        List<ChatMessage> messages = request.messages();
        ChatMessage lastMessage = messages.isEmpty() ? ChatMessage.user("") : messages.get(messages.size() - 1);
        String text = lastMessage.content() == null ? "" : lastMessage.content();
        String lower = text.toLowerCase(Locale.ROOT);
        int inputTokens = messages.stream().mapToInt(m -> countWords(m.content())).sum();
        String system = messages.isEmpty() || !messages.get(0).role().equals("system") ? ""
                : String.valueOf(messages.get(0).content());
        if (system.contains("switchboard-judge-1")) {
            return answer(request, judge(text), inputTokens);
        }
        if (system.contains("switchboard-user-1")) {
            List<String> lines = quoted(between(system, "<goal>", "</goal>"));
            if (lines.isEmpty()) {
                lines = List.of(between(system, "<goal>", "</goal>"));
            }
            long said = messages.stream().filter(m -> m.role().equals("assistant")).count();
            return answer(request, said < lines.size() ? lines.get((int) said) : "<done/>", inputTokens);
        }

        if (lastMessage.role().equals("tool")) {
            Matcher injected = INJECTED_CALL.matcher(text);
            if (injected.find()) {
                return toolCall(request, injected.group(1), injected.group(2), inputTokens);
            }
            return answer(request, "The tool says: " + text + ".", inputTokens);
        }
        if (lower.contains("[fail:429]")) {
            return new Reply(List.of(), new ProviderException(ProviderException.Kind.RATE_LIMITED, 429,
                    "sim: 429 Too Many Requests", null));
        }
        if (lower.contains("[fail:500]")) {
            return new Reply(List.of(), new ProviderException(ProviderException.Kind.SERVER_ERROR, 500,
                    "sim: 500 Internal Server Error", null));
        }
        if (lower.contains("[fail:cut]")) {
            List<String> tokens = tokens(quote(text));
            List<ProviderEvent> events = new ArrayList<>();
            for (String token : tokens.subList(0, tokens.size() / 2)) {
                events.add(new ProviderEvent.TextDelta(token));
            }
            return new Reply(events, new ProviderException(ProviderException.Kind.STREAM_INTERRUPTED,
                    "sim: the connection was cut mid-stream"));
        }
        Matcher ask = ASK.matcher(text);
        if (ask.find() && offers(request, ask.group(1))) {
            return toolCall(request, ask.group(1), Json.write(Json.MAPPER.createObjectNode()
                    .put("message", ask.group(2).strip())), inputTokens);
        }
        Matcher calculate = CALCULATE.matcher(text);
        if (calculate.find() && offers(request, "calculator")) {
            return toolCall(request, "calculator", Json.write(Json.MAPPER.createObjectNode()
                    .put("expression", calculate.group(1).strip())), inputTokens);
        }
        Matcher fetch = FETCH.matcher(text);
        if (fetch.find() && offers(request, "http_request")) {
            return toolCall(request, "http_request", Json.write(Json.MAPPER.createObjectNode()
                    .put("url", fetch.group(1))), inputTokens);
        }
        if (ASKS_FOR_TIME.matcher(lower).find() && offers(request, "clock")) {
            return new Reply(List.of(new ProviderEvent.ToolCall(callId(request), "clock", "{}"),
                    new ProviderEvent.Usage(inputTokens, 1, 0), new ProviderEvent.Finish("tool_calls")), null);
        }
        return answer(request, quote(text), inputTokens);
    }

    /** The judge's verdict as JSON: the share of the rubric's quoted phrases found in the answer. */
    private static String judge(String prompt) {
        String answer = between(prompt, "<answer>", "</answer>").toLowerCase(Locale.ROOT);
        String rubric = between(prompt, "<rubric>", "</rubric>");
        if (rubric.contains("[unparseable]")) {
            return "I would rather not put a number on it.";
        }
        List<String> phrases = quoted(rubric);
        List<String> missing = phrases.stream().filter(p -> !answer.contains(p.toLowerCase(Locale.ROOT))).toList();
        double score = phrases.isEmpty() ? (answer.isBlank() ? 0 : 1)
                : (double) (phrases.size() - missing.size()) / phrases.size();
        String reason = phrases.isEmpty() ? (answer.isBlank() ? "sim: the answer is empty"
                : "sim: the rubric quotes nothing, and the answer is not empty")
                : missing.isEmpty() ? "sim: every quoted phrase of the rubric is in the answer"
                : "sim: the answer lacks \"" + String.join("\", \"", missing) + "\"";
        return Json.write(Json.MAPPER.createObjectNode().put("score", score).put("reason", reason));
    }

    private static List<String> quoted(String text) {
        List<String> phrases = new ArrayList<>();
        Matcher m = QUOTED.matcher(text);
        while (m.find()) {
            phrases.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return phrases;
    }

    /** The text between the tags (trimmed), or empty. */
    private static String between(String text, String open, String close) {
        int start = text.indexOf(open);
        int end = text.lastIndexOf(close);
        return start < 0 || end < start ? "" : text.substring(start + open.length(), end).strip();
    }

    /** Whether the conversation asked for the same call id every time ({@code [same-ids]} in a user message). */
    static boolean sameIds(LlmRequest request) {
        return request.messages().stream().anyMatch(m -> m.role().equals("user") && m.content() != null
                && m.content().toLowerCase(Locale.ROOT).contains("[same-ids]"));
    }

    private static String callId(LlmRequest request) {
        return sameIds(request) ? "call_0" : "call_" + request.requestId() + "_0";
    }

    private static Reply toolCall(LlmRequest request, String tool, String arguments, int inputTokens) {
        return new Reply(List.of(new ProviderEvent.ToolCall(callId(request), tool, arguments),
                new ProviderEvent.Usage(inputTokens, 1, 0), new ProviderEvent.Finish("tool_calls")), null);
    }

    /** The answer, cut at the request's output limit if it has one (then it finishes with {@code length}). */
    private static Reply answer(LlmRequest request, String answer, int inputTokens) {
        List<ProviderEvent> events = new ArrayList<>();
        List<String> tokens = tokens(answer);
        Integer limit = request.settings().maxOutputTokens();
        boolean cut = limit != null && tokens.size() > limit;
        if (cut) {
            tokens = tokens.subList(0, limit);
        }
        for (String token : tokens) {
            events.add(new ProviderEvent.TextDelta(token));
        }
        events.add(new ProviderEvent.Usage(inputTokens, tokens.size(), 0));
        events.add(new ProviderEvent.Finish(cut ? "length" : "stop"));
        return new Reply(events, null);
    }

    private static String quote(String text) {
        return "You said: \u201c" + text.strip() + "\u201d. I am sim, the built-in offline model: "
                + "I answer every message the same way, so demos and tests need no API key.";
    }

    /** Whether the tool is offered, and tools may be called ({@code tool_choice} is not {@code none}). */
    private static boolean offers(LlmRequest request, String tool) {
        GenerationSettings.ToolChoice choice = request.settings().toolChoice();
        if (choice != null && choice.mode().equals("none")) {
            return false;
        }
        return request.tools() != null && request.tools().stream().map(ToolSpec::name).anyMatch(tool::equals);
    }

    /** The vector size of sim's embeddings unless a call asks for another. */
    public static final int EMBEDDING_DIMENSIONS = 64;

    /**
     * A deterministic embedding: each lower-cased word adds a sign to a slot chosen by its hash (a hashed bag of
     * words), then the vector is scaled to length 1. Texts that share words point the same way, so a demo of search
     * behaves as one would expect; an empty text is the zero vector.
     */
    public static float[] embedding(String text, int dimensions) {
        float[] vector = new float[dimensions];
        for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (!word.isEmpty()) {
                int hash = word.hashCode();
                vector[Math.floorMod(hash, dimensions)] += (hash & 0x40000000) == 0 ? 1 : -1;
            }
        }
        double length = 0;
        for (float v : vector) {
            length += v * v;
        }
        if (length > 0) {
            for (int i = 0; i < dimensions; i++) {
                vector[i] = (float) (vector[i] / Math.sqrt(length));
            }
        }
        return vector;
    }

    static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            tokens.add(m.group());
        }
        return tokens;
    }

    private static int countWords(String text) {
        return text == null ? 0 : tokens(text).size();
    }
}

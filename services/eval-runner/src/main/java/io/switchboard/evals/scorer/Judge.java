package io.switchboard.evals.scorer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.evals.client.GatewayClient;
import io.switchboard.evals.suite.Expectation;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * LLM-as-judge: asks a model through the gateway (the suite's {@code judge_model}, by default the alias {@code judge})
 * to score an answer against a rubric, with a fixed prompt ({@link #PROMPT_VERSION}; a change of wording is a new
 * version, so scores of runs stay comparable). A judge that fails or answers unreadably makes the check an
 * {@code error}, never a {@code fail}.
 */
@ApplicationScoped
public class Judge {
    public static final String PROMPT_VERSION = "switchboard-judge-1";
    static final String SYSTEM = """
            You grade one answer of an AI agent against a rubric (grading prompt switchboard-judge-1).
            You are given the conversation before the answer, the answer, and the rubric. Grade the answer by the \
            rubric alone: 1 when it fully meets the rubric, 0 when it does not meet it at all, or a fraction between.
            Reply with one JSON object and nothing else: {"score": <a number from 0 to 1>, "reason": "<one or two \
            sentences>"}""";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final GatewayClient gateway;

    public Judge(GatewayClient gateway) {
        this.gateway = gateway;
    }

    /** One exchange of the conversation before the answer. */
    public record Exchange(String user, String agent) {
    }

    public Uni<Check> judge(Expectation.Judge judge, String orgId, List<Exchange> before, String user, String answer) {
        StringBuilder prompt = new StringBuilder("<conversation>\n");
        for (Exchange exchange : before) {
            prompt.append("user: ").append(exchange.user()).append("\nagent: ")
                    .append(exchange.agent() == null ? "(no answer)" : exchange.agent()).append('\n');
        }
        prompt.append("user: ").append(user).append("\n</conversation>\n<answer>\n")
                .append(answer == null ? "" : answer).append("\n</answer>\n<rubric>\n").append(judge.rubric())
                .append("\n</rubric>");
        LlmRequest request = new LlmRequest("judge-" + UUID.randomUUID(), null, null, judge.model(),
                List.of(ChatMessage.system(SYSTEM), ChatMessage.user(prompt.toString())), List.of(), null,
                Map.of("type", "json_object"), orgId, GenerationSettings.DEFAULTS, LlmRequest.SCHEMA_VERSION,
                null, null);
        return gateway.complete(request)
                .map(reply -> read(judge, reply.text()))
                .onFailure().recoverWithItem(e -> Check.error(judge.text(), judge.line(), "the judge ("
                        + judge.model() + ") could not answer: " + e.getMessage()));
    }

    /** The judge's reply as a check: its score against the rubric's minimum, and its reason. */
    static Check read(Expectation.Judge judge, String reply) {
        int open = reply.indexOf('{');
        int close = reply.lastIndexOf('}');
        JsonNode verdict = null;
        if (open >= 0 && close > open) {
            try {
                verdict = JSON.readTree(reply.substring(open, close + 1));
            } catch (Exception e) {
                // unreadable: below
            }
        }
        if (verdict == null || !verdict.path("score").isNumber() || verdict.path("score").asDouble() < 0
                || verdict.path("score").asDouble() > 1) {
            String shown = reply.length() > 200 ? reply.substring(0, 200) + "…" : reply;
            return Check.error(judge.text(), judge.line(), "the judge did not answer {\"score\": 0..1, \"reason\"}: "
                    + shown);
        }
        double score = verdict.path("score").asDouble();
        String reason = verdict.path("reason").asText("");
        return new Check(judge.text(), judge.line(), score >= judge.minScore() ? Check.PASS : Check.FAIL, score,
                reason);
    }
}

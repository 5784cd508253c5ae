package io.switchboard.evals.scorer;

import io.smallrye.mutiny.Uni;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.evals.client.GatewayClient;
import io.switchboard.evals.suite.SuiteSpec.SimulatedUser;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Plays a case's simulated user: a model (through the gateway) given the persona and goal writes the next message, or
 * {@link #DONE} when the goal is met. The conversation is turned around for it: its own messages are the assistant's,
 * the agent's answers the user's. The prompt is fixed and versioned like the judge's.
 */
@ApplicationScoped
public class UserSimulator {
    public static final String PROMPT_VERSION = "switchboard-user-1";
    public static final String DONE = "<done/>";
    static final String SYSTEM = """
            You play a user talking to an AI agent (user simulation prompt switchboard-user-1). Stay in the persona \
            and pursue the goal below, one short message at a time, written as that person would write it. When \
            the goal is met, or clearly cannot be met, reply with exactly <done/> and nothing else.
            """;
    static final String OPENING = "(The agent waits for your first message.)";

    private final GatewayClient gateway;

    public UserSimulator(GatewayClient gateway) {
        this.gateway = gateway;
    }

    /** The next message, or null when the simulated user is done. */
    public Uni<String> next(SimulatedUser user, String orgId, List<Judge.Exchange> so) {
        String system = SYSTEM + (user.persona() == null ? "" : "<persona>\n" + user.persona() + "\n</persona>\n")
                + "<goal>\n" + user.goal() + "\n</goal>";
        List<ChatMessage> messages = new ArrayList<>();
        messages.add(ChatMessage.system(system));
        messages.add(ChatMessage.user(OPENING));
        for (Judge.Exchange exchange : so) {
            messages.add(ChatMessage.assistant(exchange.user(), null));
            messages.add(ChatMessage.user(exchange.agent() == null || exchange.agent().isBlank()
                    ? "(the agent gave no answer)" : exchange.agent()));
        }
        LlmRequest request = new LlmRequest("user-" + UUID.randomUUID(), null, null, user.model(), messages,
                List.of(), null, null, orgId, GenerationSettings.DEFAULTS, LlmRequest.SCHEMA_VERSION,
                null, null);
        return gateway.complete(request).map(reply -> {
            String text = reply.text().strip();
            return text.isEmpty() || text.contains(DONE) ? null : text;
        });
    }
}

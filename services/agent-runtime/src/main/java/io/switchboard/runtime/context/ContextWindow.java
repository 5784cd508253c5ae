package io.switchboard.runtime.context;

import io.opentelemetry.context.Context;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.runtime.client.GatewayClient;
import io.switchboard.runtime.repository.Agent;
import io.switchboard.runtime.repository.ContextRepository;
import io.switchboard.tokens.TokenCounter;
import io.switchboard.traces.SessionLogs;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Fits a conversation to its agent's window ({@code context.maxTokens}) before each model call. When it is over, the
 * oldest whole turns are left behind ({@code drop_oldest}) or replaced by a summary the agent's model writes
 * ({@code summarize}); either way a snapshot records it, so later turns load only what comes after. The turn being run
 * is always sent whole.
 */
@ApplicationScoped
public class ContextWindow {
    private static final Logger LOG = Logger.getLogger(ContextWindow.class);
    static final String SUMMARY_HEADING = "\n\nSummary of the earlier conversation:\n";
    private static final String SUMMARIZE = "You write summaries of conversations between a user and an assistant,"
            + " for the assistant to go on from. Keep facts, names, numbers, decisions and open questions; leave out"
            + " pleasantries. Answer with the summary only.";

    private final TokenCounter counter;
    private final GatewayClient gateway;
    private final ContextRepository snapshots;

    public ContextWindow(TokenCounter counter, GatewayClient gateway, ContextRepository snapshots) {
        this.counter = counter;
        this.gateway = gateway;
        this.snapshots = snapshots;
    }

    /**
     * What goes to the model: the system prompt (with the summary of older turns, if any), then the journal from
     * {@code firstPosition} to {@code lastPosition}; {@code tokens} as counted, null for an agent without a window
     * (nothing to fit, so nothing is counted: the provider's usage says what the call took).
     */
    public record Prompt(List<ChatMessage> messages, Integer snapshotPosition, int firstPosition, int lastPosition,
                         Integer tokens) {
    }

    /** The system prompt as sent: the agent's, then the summary standing for older turns. */
    public static String systemPrompt(String agentPrompt, String summary) {
        return summary == null ? agentPrompt : agentPrompt + SUMMARY_HEADING + summary;
    }

    /**
     * The prompt for the next model call of the turn; may leave older turns behind first (and snapshot that, under the
     * runner's lease: {@code fence}).
     */
    public Uni<Prompt> prompt(Agent agent, UUID sessionId, UUID turnId, Conversation conversation, long fence,
                              Context trace) {
        Integer max = agent.context().maxTokens();
        if (max == null) {
            // counting the whole conversation before every call is a good part of a turn's CPU: only when needed
            Conversation.Window window = conversation.window(null);
            return Uni.createFrom().item(prompt(agent, window, window.start()));
        }
        if (!counter.loaded()) { // the first count after a start loads the encoding: not on an event loop
            return Uni.createFrom().item(() -> {
                counter.load();
                return counter;
            }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                    .flatMap(loaded -> prompt(agent, sessionId, turnId, conversation, fence, trace));
        }
        Conversation.Window window = conversation.window(counter);
        int agentPromptTokens = counter.count(agent.systemPrompt()) + TokenCounter.PER_MESSAGE;
        if (agentPromptTokens + counter.count(window.summary() == null ? null
                : SUMMARY_HEADING + window.summary()) + window.tokensFrom(window.start()) <= max) {
            return Uni.createFrom().item(prompt(agent, window, window.start()));
        }
        boolean summarize = agent.context().strategy().equals(Agent.SUMMARIZE);
        // a summary gets a quarter of the window; the turns kept get the rest
        int summaryBudget = summarize ? max / 4 : 0;
        int from = window.fit(max - agentPromptTokens - summaryBudget);
        if (from == window.start()) {
            // nothing older to leave behind: the turn alone is over the window; send it and let the provider judge
            return Uni.createFrom().item(prompt(agent, window, from));
        }
        Uni<String> summary = summarize
                ? summarize(agent, sessionId, turnId, window, from, summaryBudget, trace)
                : Uni.createFrom().nullItem();
        return summary.flatMap(text -> {
            if (summarize && text == null) {
                // the summary could not be written: leave the turns out of this call only, and try again next time
                return Uni.createFrom().item(prompt(agent, window, from));
            }
            return snapshots.snapshot(sessionId, window.base() + from - 1, text, fence).map(stored -> {
                conversation.leaveBehind(from, stored);
                return prompt(agent, conversation.window(counter), from);
            });
        });
    }

    /** The window's summary (of its snapshot) in the system prompt, then its messages from {@code from}. */
    private Prompt prompt(Agent agent, Conversation.Window window, int from) {
        List<ChatMessage> messages = new ArrayList<>();
        String system = systemPrompt(agent.systemPrompt(), window.summary());
        messages.add(ChatMessage.system(system));
        messages.addAll(window.messages().subList(from, window.messages().size()));
        Integer tokens = window.counted() ? counter.count(system) + TokenCounter.PER_MESSAGE + window.tokensFrom(from)
                : null;
        return new Prompt(messages, window.snapshotPosition() < 0 ? null : window.snapshotPosition(),
                window.base() + from, window.base() + window.messages().size() - 1, tokens);
    }

    /** The model's summary of the older summary and the turns left behind, cut to its budget; null if it failed. */
    private Uni<String> summarize(Agent agent, UUID sessionId, UUID turnId, Conversation.Window window, int from,
                                  int budget, Context trace) {
        StringBuilder transcript = new StringBuilder();
        if (window.summary() != null) {
            transcript.append("Summary so far:\n").append(window.summary()).append("\n\n");
        }
        for (ChatMessage m : window.messages().subList(window.start(), from)) {
            transcript.append(m.role()).append(": ").append(m.content() == null ? "" : m.content());
            m.toolCalls().forEach(call -> transcript.append(" [calls ").append(call.name()).append(' ')
                    .append(call.arguments()).append(']'));
            transcript.append('\n');
        }
        LlmRequest request = LlmRequest.of(turnId + "/summary-" + (window.base() + from - 1), sessionId.toString(),
                turnId.toString(), agent.model(), List.of(ChatMessage.system(SUMMARIZE + " Use at most "
                        + (budget * 3 / 4) + " words."), ChatMessage.user(transcript.toString())), List.of())
                .forAgent(agent.id().toString()).forOrg(agent.orgId().toString());
        StringBuilder text = new StringBuilder();
        boolean[] failed = {false};
        return gateway.stream(request, trace).onItem().invoke(chunk -> {
            if (chunk instanceof LlmChunk.TextDelta delta) {
                text.append(delta.text());
            } else if (chunk instanceof LlmChunk.Failed) {
                failed[0] = true;
            }
        }).collect().last().map(x -> failed[0] || text.isEmpty() ? null : counter.cut(text.toString().strip(), budget))
                .onFailure().recoverWithNull()
                .invoke(summary -> {
                    if (summary == null) {
                        SessionLogs.log(sessionId.toString(), turnId.toString(), () -> LOG.warnf("could not"
                                + " summarise the older turns of session %s; they are left out of this call",
                                sessionId));
                    }
                });
    }
}

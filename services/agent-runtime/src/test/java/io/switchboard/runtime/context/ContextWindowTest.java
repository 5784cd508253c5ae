package io.switchboard.runtime.context;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.context.Context;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.runtime.repository.Agent;
import io.switchboard.tokens.TokenCounter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ContextWindowTest {
    @Test
    void theFirstCountAfterAStartLoadsTheEncodingOffTheCallersThread() {
        TokenCounter counter = new TokenCounter();
        ContextWindow window = new ContextWindow(counter, null, null);
        Conversation conversation = new Conversation(10, 0, null);
        conversation.add(ChatMessage.user("hello there"));
        conversation.markTurnStart();
        Agent agent = new Agent(UUID.randomUUID(), UUID.randomUUID(), 1, "a", "sim", "Be brief.", List.of(),
                List.of(), Agent.Limits.NONE, Agent.QUEUE, List.of(), new Agent.ContextPolicy(4000, Agent.DROP_OLDEST),
                List.of(), null, List.of(), false, Instant.now(), 1, 1);
        AtomicReference<Thread> counted = new AtomicReference<>();

        ContextWindow.Prompt prompt = window.prompt(agent, UUID.randomUUID(), UUID.randomUUID(), conversation, 1,
                Context.root()).invoke(x -> counted.set(Thread.currentThread())).await().atMost(Duration.ofSeconds(30));

        assertThat(counter.loaded()).isTrue();
        assertThat(counted.get()).isNotSameAs(Thread.currentThread()); // an event loop calling it would not block
        assertThat(prompt.tokens()).isGreaterThan(TokenCounter.PER_MESSAGE * 2);
        assertThat(prompt.messages()).extracting(ChatMessage::content).contains("hello there");
    }
}

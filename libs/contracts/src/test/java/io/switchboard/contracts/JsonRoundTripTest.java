package io.switchboard.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.contracts.agent.AgentCommand;
import io.switchboard.contracts.agent.AgentEvent;
import io.switchboard.contracts.agent.StartSession;
import io.switchboard.contracts.agent.TokenDelta;
import io.switchboard.contracts.agent.ToolCallFinished;
import io.switchboard.contracts.agent.ToolCallStarted;
import io.switchboard.contracts.agent.TurnCompleted;
import io.switchboard.contracts.agent.TurnFailed;
import io.switchboard.contracts.agent.TurnStarted;
import io.switchboard.contracts.agent.UserMessage;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ContentPart;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.contracts.llm.ToolSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonRoundTripTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void commandsCarryTheirTypeAndSchemaVersion() throws Exception {
        AgentCommand cmd = UserMessage.of("c1", "o1", "s1", "t1", "hello");
        String text = json.writeValueAsString(cmd);
        assertThat(text).contains("\"type\":\"UserMessage\"").contains("\"schemaVersion\":1");
        assertThat(json.readValue(text, AgentCommand.class)).isEqualTo(cmd);
        AgentCommand start = StartSession.of("c2", "o1", "s1", "a1");
        assertThat(json.readValue(json.writeValueAsString(start), AgentCommand.class)).isEqualTo(start);
    }

    @Test
    void everyEventRoundTripsWithoutItsDerivedFields() throws Exception {
        List<AgentEvent> events = List.of(
                TurnStarted.of("s", "t", 1, "hi"),
                TokenDelta.of("s", "t", 2, 0, "Hel"),
                ToolCallStarted.of("s", "t", 3, "call-1", "clock", "{}"),
                ToolCallFinished.of("s", "t", 4, "call-1", "clock", "12:00", false),
                TurnCompleted.of("s", "t", 5, "Hello", 3, 1),
                TurnFailed.of("s", "t", 6, "rate_limited", "slow down"));
        for (AgentEvent event : events) {
            String text = json.writeValueAsString(event);
            assertThat(text).doesNotContain("streamName").doesNotContain("endsTurn");
            assertThat(json.readValue(text, AgentEvent.class)).isEqualTo(event);
        }
    }

    @Test
    void chunksRoundTripAndOnlyTerminalOnesAreLast() throws Exception {
        List<LlmChunk> chunks = List.of(
                new LlmChunk.TextDelta("r", 0, "a"),
                new LlmChunk.ToolCallRequested("r", 1, new ToolCall("c", "clock", "{}")),
                new LlmChunk.Usage("r", 2, 10, 2),
                new LlmChunk.KeepAlive("r", 2),
                new LlmChunk.Finished("r", 3, "stop"),
                new LlmChunk.Finished("r", 3, "tool_calls", new LlmChunk.Tokens(10, 2, 4)),
                new LlmChunk.Failed("r", 4, "rate_limited", "429", true));
        for (LlmChunk chunk : chunks) {
            assertThat(json.readValue(json.writeValueAsString(chunk), LlmChunk.class)).isEqualTo(chunk);
        }
        assertThat(chunks).filteredOn(LlmChunk::last).hasSize(3);
    }

    @Test
    void requestKeepsToolSchemasAndToolCalls() throws Exception {
        LlmRequest request = LlmRequest.of("r", "s", "t", "sim", List.of(
                        ChatMessage.system("be brief"), ChatMessage.user("time?"),
                        ChatMessage.assistant("", List.of(new ToolCall("c", "clock", "{}"))),
                        ChatMessage.toolResult("c", "12:00")),
                List.of(new ToolSpec("clock", "current time", Map.of("type", "object"))));
        assertThat(json.readValue(json.writeValueAsString(request), LlmRequest.class)).isEqualTo(request);
        LlmRequest tuned = request.withSettings(new GenerationSettings(0.2, 0.9, 40, 50, List.of("END"), 7L, 0.1,
                -0.1, "low", 1024, GenerationSettings.ToolChoice.tool("clock"), false, "u-1", Map.of("team", "a"),
                true));
        assertThat(json.readValue(json.writeValueAsString(tuned), LlmRequest.class)).isEqualTo(tuned);
    }

    /** Version 1 requests (no settings) read as every default; a version 1 reader skips what version 2 adds. */
    @Test
    void requestsOfBothSchemaVersionsReadEachOther() throws Exception {
        String v1 = "{\"requestId\":\"r\",\"model\":\"sim\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[],\"schemaVersion\":1}";
        assertThat(json.readValue(v1, LlmRequest.class).settings()).isEqualTo(GenerationSettings.DEFAULTS);
        String v2 = json.writeValueAsString(LlmRequest.of("r", null, null, "sim", List.of(ChatMessage.user(List.of(
                ContentPart.text("hi"), ContentPart.image("image/png", "iVBORw0KGgo="))).cached()),
                List.of()).withSettings(new GenerationSettings(0.0, null, null, 50, null, null, null, null, null,
                null, null, null, null, null, false)));
        VersionOneRequest old = json.copy().configure(
                com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .readValue(v2, VersionOneRequest.class);
        assertThat(old.model()).isEqualTo("sim");
        assertThat(old.messages()).containsExactly(new VersionOneMessage("user", "hi", List.of(), null));
    }

    /** ChatMessage as version 1 had it (no parts, no cache breakpoint). */
    record VersionOneMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId) {
    }

    /** LlmRequest as version 1 had it, read as services read records (unknown properties skipped). */
    record VersionOneRequest(String requestId, String sessionId, String turnId, String model,
                             List<VersionOneMessage> messages, List<ToolSpec> tools, String agentId,
                             Map<String, Object> responseFormat, String orgId, int schemaVersion) {
    }
}

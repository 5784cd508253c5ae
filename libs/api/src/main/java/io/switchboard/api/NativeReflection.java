package io.switchboard.api;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.switchboard.contracts.agent.AgentCommand;
import io.switchboard.contracts.agent.AgentEvent;
import io.switchboard.contracts.agent.ApprovalRequested;
import io.switchboard.contracts.agent.CancelTurn;
import io.switchboard.contracts.agent.ResumeTurn;
import io.switchboard.contracts.agent.StartSession;
import io.switchboard.contracts.agent.TokenDelta;
import io.switchboard.contracts.agent.ToolCallFinished;
import io.switchboard.contracts.agent.ToolCallStarted;
import io.switchboard.contracts.agent.TurnCancel;
import io.switchboard.contracts.agent.TurnCompleted;
import io.switchboard.contracts.agent.TurnFailed;
import io.switchboard.contracts.agent.TurnResumed;
import io.switchboard.contracts.agent.TurnStarted;
import io.switchboard.contracts.agent.UserMessage;
import io.switchboard.contracts.llm.ChatMessage;
import io.switchboard.contracts.llm.ContentPart;
import io.switchboard.contracts.llm.GenerationSettings;
import io.switchboard.contracts.llm.LlmCancel;
import io.switchboard.contracts.llm.LlmChunk;
import io.switchboard.contracts.llm.LlmRequest;
import io.switchboard.contracts.llm.ToolCall;
import io.switchboard.contracts.llm.ToolSpec;

/**
 * For native executables only (JVM mode ignores it): what Jackson reads and writes by reflection that Quarkus cannot
 * see from REST signatures: the Kafka contracts (through ObjectMapper serializers and SSE) and problem bodies (sent in
 * a {@code Response}). Caffeine's classes are in {@code io.switchboard.auth.CaffeineReflection}.
 */
@RegisterForReflection(ignoreNested = false, targets = {AgentCommand.class, StartSession.class, UserMessage.class,
        CancelTurn.class, ResumeTurn.class, TurnCancel.class, AgentEvent.class, TurnStarted.class, TurnResumed.class,
        TokenDelta.class, ToolCallStarted.class, ToolCallFinished.class, ApprovalRequested.class, TurnCompleted.class,
        TurnFailed.class, LlmRequest.class, LlmCancel.class, LlmChunk.class, ChatMessage.class, ContentPart.class,
        ToolCall.class, ToolSpec.class, GenerationSettings.class, Problem.Body.class})
final class NativeReflection {
    private NativeReflection() {
    }
}

package io.switchboard.contracts.agent;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * An event on {@code agent.events}, keyed by session id. {@link #seq()} increases by one with every event of a
 * session, across turns, so a stream reader resumes after the last {@code seq} it saw and dedupes on it.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = TurnStarted.class, name = "TurnStarted"),
        @JsonSubTypes.Type(value = TurnResumed.class, name = "TurnResumed"),
        @JsonSubTypes.Type(value = TokenDelta.class, name = "TokenDelta"),
        @JsonSubTypes.Type(value = ToolCallStarted.class, name = "ToolCallStarted"),
        @JsonSubTypes.Type(value = ToolCallFinished.class, name = "ToolCallFinished"),
        @JsonSubTypes.Type(value = ApprovalRequested.class, name = "ApprovalRequested"),
        @JsonSubTypes.Type(value = TurnCompleted.class, name = "TurnCompleted"),
        @JsonSubTypes.Type(value = TurnFailed.class, name = "TurnFailed")
})
public sealed interface AgentEvent
        permits TurnStarted, TurnResumed, TokenDelta, ToolCallStarted, ToolCallFinished, ApprovalRequested, TurnCompleted,
        TurnFailed {
    int SCHEMA_VERSION = 1;

    String sessionId();

    String turnId();

    long seq();

    int schemaVersion();

    /** The SSE {@code event:} name clients see for this event. */
    @JsonIgnore
    String streamName();

    /** True for the event that ends a turn. */
    @JsonIgnore
    default boolean endsTurn() {
        return false;
    }
}

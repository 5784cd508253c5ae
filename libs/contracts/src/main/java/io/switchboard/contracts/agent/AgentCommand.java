package io.switchboard.contracts.agent;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A command on {@code agent.commands}, keyed by session id so one session's commands stay in order.
 * Within {@link #SCHEMA_VERSION} only optional fields may be added.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = StartSession.class, name = "StartSession"),
        @JsonSubTypes.Type(value = UserMessage.class, name = "UserMessage"),
        @JsonSubTypes.Type(value = CancelTurn.class, name = "CancelTurn"),
        @JsonSubTypes.Type(value = ResumeTurn.class, name = "ResumeTurn")
})
public sealed interface AgentCommand permits StartSession, UserMessage, CancelTurn, ResumeTurn {
    int SCHEMA_VERSION = 1;

    /** Unique per command; consumers dedupe on it. */
    String commandId();

    String sessionId();

    /**
     * The organization the command acts for: the session (or, for {@code StartSession}, the agent) must be one of
     * its own, or the command is refused. Absent in commands written before organizations: the default one.
     */
    String orgId();

    int schemaVersion();
}

package io.switchboard.contracts;

/** Kafka topic names. Records on the agent topics are keyed by session id, on the LLM topics by request id. */
public final class Topics {
    /** {@link io.switchboard.contracts.agent.AgentCommand}s, consumed by agent-runtime. */
    public static final String AGENT_COMMANDS = "agent.commands";
    /** {@link io.switchboard.contracts.agent.AgentEvent}s, produced by agent-runtime. */
    public static final String AGENT_EVENTS = "agent.events";
    /** {@link io.switchboard.contracts.agent.TurnCancel}s: turns asked to stop (every agent-runtime replica reads). */
    public static final String AGENT_CANCELS = "agent.cancels";
    /** {@link io.switchboard.contracts.llm.LlmRequest}s, consumed by llm-gateway. */
    public static final String LLM_REQUESTS = "llm.requests";
    /** {@link io.switchboard.contracts.llm.LlmChunk} replies, streamed back to the requester (Kafka request-reply). */
    public static final String LLM_REPLIES = "llm.replies";
    /**
     * eval-runner's replies (judges, simulated users), apart from the runtime's: a requester reads every record of its
     * reply topic, and during a burst of turns these are a few among thousands a second.
     */
    public static final String EVAL_LLM_REPLIES = "llm.replies.evals";
    /** {@link io.switchboard.contracts.llm.LlmCancel}s: requests whose answer is no longer wanted (every gateway reads). */
    public static final String LLM_CANCELS = "llm.cancels";

    /** Commands agent-runtime could not read or act on (unknown session or agent, bad fields), with the reason. */
    public static final String AGENT_COMMANDS_DLQ = "agent.commands.dlq";
    /** Requests llm-gateway could not read. */
    public static final String LLM_REQUESTS_DLQ = "llm.requests.dlq";

    public static final String[] ALL = {AGENT_COMMANDS, AGENT_EVENTS, AGENT_CANCELS, LLM_REQUESTS, LLM_REPLIES,
        EVAL_LLM_REPLIES, LLM_CANCELS, AGENT_COMMANDS_DLQ, LLM_REQUESTS_DLQ};

    private Topics() {
    }
}

package io.switchboard.contracts.llm;

import java.util.List;
import java.util.Map;

/**
 * A chat completion request on {@code llm.requests}, keyed by {@code requestId}. The reply is a stream of
 * {@link LlmChunk}s on {@code llm.replies} that ends with a chunk whose {@link LlmChunk#last()} is true.
 * {@code sessionId}, {@code turnId} and {@code agentId} are for accounting and tracing and may be null;
 * {@code responseFormat} (optional) asks for JSON output. {@code orgId} is the organization the call is for: it sees
 * that organization's deployments and aliases (and the shared ones), and its usage is that organization's; absent in
 * requests written before organizations, which are the default one's. {@code settings} (schema version 2) is how the
 * model should generate; absent in older requests, which read it as {@link GenerationSettings#DEFAULTS}. Readers of
 * version 1 ignore it.
 * {@code traceparent} (optional, W3C) is the span the call belongs to (the turn's), so the gateway's span of the call
 * joins the session's trace. {@code captureContent} (optional) asks that the call's span carry what it was sent and
 * answered (the agent captures content), whatever the gateway's own setting.
 */
public record LlmRequest(String requestId, String sessionId, String turnId, String model, List<ChatMessage> messages,
                         List<ToolSpec> tools, String agentId, Map<String, Object> responseFormat, String orgId,
                         GenerationSettings settings, int schemaVersion, String traceparent,
                         Boolean captureContent) {
    public static final int SCHEMA_VERSION = 2;

    public LlmRequest {
        settings = settings == null ? GenerationSettings.DEFAULTS : settings;
    }

    public static LlmRequest of(String requestId, String sessionId, String turnId, String model,
                                List<ChatMessage> messages, List<ToolSpec> tools) {
        return new LlmRequest(requestId, sessionId, turnId, model, messages, tools, null, null, null, null,
                SCHEMA_VERSION, null, null);
    }

    /** The same request, attributed to an agent. */
    public LlmRequest forAgent(String agent) {
        return new LlmRequest(requestId, sessionId, turnId, model, messages, tools, agent, responseFormat, orgId,
                settings, schemaVersion, traceparent, captureContent);
    }

    /** The same request, for an organization. */
    public LlmRequest forOrg(String org) {
        return new LlmRequest(requestId, sessionId, turnId, model, messages, tools, agentId, responseFormat, org,
                settings, schemaVersion, traceparent, captureContent);
    }

    /**
     * The same request, asking for structured output in OpenAI's {@code response_format} shape
     * ({@code {"type":"json_object"}} or {@code {"type":"json_schema","json_schema":{...}}}).
     */
    public LlmRequest withResponseFormat(Map<String, Object> format) {
        return new LlmRequest(requestId, sessionId, turnId, model, messages, tools, agentId, format, orgId,
                settings, schemaVersion, traceparent, captureContent);
    }

    /** The same request, generating as {@code settings} say. */
    public LlmRequest withSettings(GenerationSettings settings) {
        return new LlmRequest(requestId, sessionId, turnId, model, messages, tools, agentId, responseFormat, orgId,
                settings, schemaVersion, traceparent, captureContent);
    }

    /** The same request, as part of the span a W3C {@code traceparent} names. */
    public LlmRequest withTraceparent(String parent) {
        return new LlmRequest(requestId, sessionId, turnId, model, messages, tools, agentId, responseFormat, orgId,
                settings, schemaVersion, parent, captureContent);
    }

    /** The same request, its span carrying its content when {@code capture}. */
    public LlmRequest withCaptureContent(boolean capture) {
        return new LlmRequest(requestId, sessionId, turnId, model, messages, tools, agentId, responseFormat, orgId,
                settings, schemaVersion, traceparent, capture ? Boolean.TRUE : null);
    }

    /**
     * The same call under the id {@code <id>/again}: asked again after its reply was lost (the two must not be
     * confused, and the new id usually lands on another partition of {@code llm.requests}).
     */
    public LlmRequest askedAgain() {
        return new LlmRequest(requestId + "/again", sessionId, turnId, model, messages, tools, agentId, responseFormat,
                orgId, settings, schemaVersion, traceparent, captureContent);
    }
}

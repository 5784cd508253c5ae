-- Whether the agent's model calls and tool calls carry what they were sent and answered in their spans (the span store,
-- OTLP): off unless the version says so (or the gateway captures every call, GATEWAY_CAPTURE_CONTENT).
alter table runtime.agent_versions add column capture_content boolean not null default false;

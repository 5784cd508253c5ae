-- A vendor that reports no usage (some OpenAI-compatible servers) has its calls' tokens estimated from their text;
-- such a call says so.
alter table gateway.llm_calls add column usage_estimated boolean not null default false;

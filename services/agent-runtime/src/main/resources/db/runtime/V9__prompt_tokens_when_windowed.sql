-- Prompt tokens are counted before a call only for agents with a context window (there is something to fit); for
-- the others the provider's usage says what the call took.
alter table runtime.model_calls alter column prompt_tokens drop not null;

-- an organization's choice for all its agents and keys: the spans of their model and tool calls carry what those calls
-- were sent and answered (the span store and OTLP). Agents may also choose it one by one.
alter table identity.orgs add column capture_content boolean not null default false;

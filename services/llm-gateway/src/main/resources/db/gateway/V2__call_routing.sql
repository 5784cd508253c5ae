-- which deployment served the call, after how many attempts, and the cached part of the input
alter table gateway.llm_calls add column deployment text;
alter table gateway.llm_calls add column attempts int not null default 1;
alter table gateway.llm_calls add column cached_input_tokens int not null default 0;

-- A call on a model without a price has no cost (null), shown as unpriced rather than as free.
alter table gateway.llm_calls alter column cost_usd drop not null;

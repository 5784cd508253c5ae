-- What a turn's model calls cost at the gateway's prices (TurnCompleted carries it); null: a call had no price, or
-- the turn ended before costs were kept.
alter table runtime.turns add column cost_usd numeric;
